// Typed domain errors with stable codes, and predicates that callers use instead of
// `instanceof` or message matching (the predicates are structural, so they also hold
// for errors that crossed a module copy or a worker boundary).
import type { Problem } from "./model.ts";

/** Stable codes of the errors this module defines. */
export const DomainErrorCodes = {
  invalidInput: "invalid_input",
} as const;

/** How many problems a message spells out; `problems` always holds all of them. */
const MESSAGE_PROBLEMS = 20;

/** `path: message`, or just the message for a problem about the whole input. */
export function formatProblem(p: Problem): string {
  return p.path === "" ? p.message : `${p.path}: ${p.message}`;
}

/**
 * One line per problem (the first 20, then "… and N more"). Empty input gives "".
 */
export function formatProblems(problems: readonly Problem[]): string {
  const shown = problems.slice(0, MESSAGE_PROBLEMS).map(formatProblem);
  if (problems.length > MESSAGE_PROBLEMS) {
    shown.push(`… and ${problems.length - MESSAGE_PROBLEMS} more`);
  }
  return shown.join("\n");
}

/**
 * Input that does not describe a valid domain object. Carries every problem with its
 * field path; the message lists them (`invalid input (2 problems):\n  ports[0].port: …`).
 * HTTP edges map it to 400/422.
 */
export class ValidationError extends Error {
  readonly code = DomainErrorCodes.invalidInput;
  readonly problems: readonly Problem[];

  /** `what` names the input in the message, e.g. "service", "inventory". */
  constructor(problems: readonly Problem[], what = "input") {
    const n = problems.length;
    const list = formatProblems(problems)
      .split("\n")
      .map((line) => `  ${line}`)
      .join("\n");
    super(`invalid ${what} (${n} problem${n === 1 ? "" : "s"}):\n${list}`);
    this.name = "ValidationError";
    this.problems = problems;
  }
}

/** True for a ValidationError (code `invalid_input`), also across module copies. */
export function isValidationError(err: unknown): err is ValidationError {
  return (
    err instanceof Error &&
    (err as { code?: unknown }).code === DomainErrorCodes.invalidInput &&
    Array.isArray((err as { problems?: unknown }).problems)
  );
}
