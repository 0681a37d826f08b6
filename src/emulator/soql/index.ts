/** The emulator's SOQL and formula compilers. */
export { compileSoql, MAX_OFFSET, BULK_REFUSALS } from './compile.js';
export { compileFormula, FormulaError, type CompiledFormula } from './formula.js';
export * from './types.js';
