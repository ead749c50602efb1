// The only code that starts `nft`: runs a script on stdin (`nft -f -`), optionally
// inside a named network namespace (`ip netns exec NAME nft …`), in check mode
// (`nft -c`, which validates against the kernel without committing), and lists
// owned tables as JSON for the drift check. Errors are typed (errors.ts).
import { spawn } from "node:child_process";
import { NftError, classifyStderr } from "./errors.ts";
import { toScript } from "./render/script.ts";
import type { Transaction } from "./render/transaction.ts";

export interface NftRunnerOptions {
  /** Run inside this network namespace (via `ip netns exec`). */
  readonly netns?: string;
  /** nft binary; default `nft` from PATH. */
  readonly nftPath?: string;
  /** Kill nft after this many milliseconds; default 120 s. */
  readonly timeoutMs?: number;
}

/** Outcome of a successful run. */
export interface NftRunResult {
  readonly durationMs: number;
  readonly stdout: string;
}

/** Runs nft; the seam that tests fake (FakeNft implements it in memory). */
export interface NftExecutor {
  /** Applies `tx` atomically (or only checks it when `check`). Rejects with NftError. */
  applyTransaction(tx: Transaction, opts?: { readonly check?: boolean }): Promise<NftRunResult>;
  /** `nft -j list table inet NAME`, parsed; rejects with NftError (object_not_found if absent). */
  listTableJson(table: string): Promise<unknown>;
}

/** Spawns the real nft. */
export class NftRunner implements NftExecutor {
  private readonly options: NftRunnerOptions;

  constructor(options: NftRunnerOptions = {}) {
    if (options.netns !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(options.netns))
      throw new NftError(
        "netns_not_found",
        `netns: ${JSON.stringify(options.netns)} is not a namespace name`,
      );
    this.options = options;
  }

  /** Prints `tx` (render/script.ts) and applies it; see {@link NftRunner.apply}. */
  applyTransaction(
    tx: Transaction,
    opts: { readonly check?: boolean } = {},
  ): Promise<NftRunResult> {
    return this.apply(toScript(tx), opts);
  }

  /**
   * Runs `nft -f -` (or `nft -c -f -`) with `script` on stdin. Resolves with the
   * wall-clock duration; rejects with a classified NftError, in which case the
   * kernel still holds its previous ruleset. An empty script is not sent.
   */
  async apply(script: string, opts: { readonly check?: boolean } = {}): Promise<NftRunResult> {
    if (script === "") return { durationMs: 0, stdout: "" };
    return this.exec([...(opts.check === true ? ["-c"] : []), "-f", "-"], script);
  }

  /** Lists one inet table as nft JSON (`nft -j list table inet NAME`). */
  async listTableJson(table: string): Promise<unknown> {
    if (!/^[A-Za-z][A-Za-z0-9_.-]*$/.test(table))
      throw new NftError("syntax_error", `table: ${JSON.stringify(table)} is not a table name`);
    const { stdout } = await this.exec(["-j", "list", "table", "inet", table], "");
    try {
      return JSON.parse(stdout) as unknown;
    } catch {
      throw new NftError(
        "failed",
        `nft -j list table inet ${table}: output is not json`,
        stdout.slice(0, 500),
      );
    }
  }

  private exec(args: readonly string[], stdin: string): Promise<NftRunResult> {
    const nft = this.options.nftPath ?? "nft";
    const [cmd, argv] =
      this.options.netns === undefined
        ? [nft, [...args]]
        : ["ip", ["netns", "exec", this.options.netns, nft, ...args]];
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const child = spawn(cmd, argv, { stdio: ["pipe", "pipe", "pipe"] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const timer = setTimeout(() => child.kill("SIGKILL"), this.options.timeoutMs ?? 120_000);
      child.stdout.on("data", (b: Buffer) => out.push(b));
      child.stderr.on("data", (b: Buffer) => err.push(b));
      child.on("error", (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        const code =
          e.code === "ENOENT"
            ? "nft_not_found"
            : e.code === "EACCES"
              ? "permission_denied"
              : "failed";
        reject(new NftError(code, `cannot run ${cmd}: ${e.message}`));
      });
      child.on("close", (exitCode, signal) => {
        clearTimeout(timer);
        const durationMs = performance.now() - started;
        const stderr = Buffer.concat(err).toString("utf8").trim();
        if (exitCode === 0)
          return resolve({ durationMs, stdout: Buffer.concat(out).toString("utf8") });
        if (signal === "SIGKILL")
          return reject(
            new NftError("timeout", `nft ${args.join(" ")}: killed after timeout`, stderr),
          );
        // `ip netns exec` exits 255 when it cannot exec nft.
        const code = /exec of "[^"]*" failed: No such file/.test(stderr)
          ? "nft_not_found"
          : classifyStderr(stderr);
        const first =
          stderr.split("\n").find((l) => l.includes("Error") || l.includes("Cannot")) ??
          stderr.split("\n")[0] ??
          "";
        reject(
          new NftError(code, `nft ${args.join(" ")}: ${first.toLowerCase()}`, stderr, exitCode),
        );
      });
      child.stdin.on("error", () => undefined); // nft may exit before reading all input
      child.stdin.end(stdin);
    });
  }
}
