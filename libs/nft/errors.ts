// Typed failures of running nft. Codes are stable strings; match them with the
// predicates below, never by message text.

/** Stable codes of nft failures. */
export type NftErrorCode =
  | "nft_not_found"
  | "netns_not_found"
  | "permission_denied"
  | "syntax_error"
  | "object_not_found"
  | "exists"
  | "timeout"
  | "failed";

/** A failed `nft` run: the kernel kept its previous ruleset (transactions are atomic). */
export class NftError extends Error {
  readonly code: NftErrorCode;
  /** nft's stderr, trimmed (English: nft does not call setlocale()). */
  readonly stderr: string;
  readonly exitCode: number | null;

  constructor(code: NftErrorCode, message: string, stderr = "", exitCode: number | null = null) {
    super(message);
    this.name = "NftError";
    this.code = code;
    this.stderr = stderr;
    this.exitCode = exitCode;
  }
}

/** True when `err` is an {@link NftError}, optionally with one of `codes`. */
export function isNftError(err: unknown, ...codes: NftErrorCode[]): err is NftError {
  return err instanceof NftError && (codes.length === 0 || codes.includes(err.code));
}

/** The object a command referred to does not exist (ENOENT). */
export function isNotFound(err: unknown): boolean {
  return isNftError(err, "object_not_found");
}

/** A `create` hit an existing object (EEXIST). */
export function isExists(err: unknown): boolean {
  return isNftError(err, "exists");
}

/**
 * Classifies nft's stderr. nft prints English whatever the locale (it does not
 * call setlocale()), so matching its text is stable across hosts:
 * `Error: Could not process rule: <strerror>` for kernel errors,
 * `Error: syntax error, …` and other `Error:` lines for parse/evaluation errors,
 * `Cannot open network namespace "x"` from `ip netns exec`.
 */
export function classifyStderr(stderr: string): NftErrorCode {
  if (/Cannot open network namespace/.test(stderr)) return "netns_not_found";
  if (/Operation not permitted|Permission denied/.test(stderr)) return "permission_denied";
  if (/File exists/.test(stderr)) return "exists";
  if (/No such file or directory/.test(stderr)) return "object_not_found";
  if (/Could not process rule/.test(stderr)) return "failed";
  if (/syntax error|Error:/.test(stderr)) return "syntax_error";
  return "failed";
}
