/**
 * The emulator's formula language (a subset of Salesforce's): field references incl. parent paths,
 * literals, `+ - * / ^ &`, comparisons, `&& || !`, and the functions in formula/functions-*.ts.
 */
export { compileFormula, type CompiledFormula } from './formula/compile.js';
export { FormulaError } from './formula/formula-error.js';
