/** A formula that cannot be compiled: names the object (and field when known) and the spot. */

export class FormulaError extends Error {
  constructor(
    readonly objectName: string,
    readonly fieldName: string | null,
    /** What is wrong, in Salesforce's formula-editor words. */
    readonly detail: string,
    /** 0-based offset into the formula. */
    readonly position: number,
  ) {
    super(
      `Invalid formula ${fieldName === null ? `on ${objectName}` : `for ${objectName}.${fieldName}`}: ${detail} (at character ${position + 1})`,
    );
    this.name = 'FormulaError';
  }
}

/** Thrown inside the formula compiler; compileFormula adds the object and field. */
export class FormulaProblem extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = 'FormulaProblem';
  }
}
