/* The facade's errors: a refusal whose `failure` (an enum) the page words, one string per value. */

export class Refusal<F> extends Error {
  readonly failure: F;
  constructor(name: string, failure: F, message: string) {
    super(message);
    this.name = name;
    this.failure = failure;
  }
}
