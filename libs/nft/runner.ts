// The only code that starts `nft`: runs a script from a private file (`nft -f
// FILE`), optionally inside a named network namespace (`ip netns exec NAME nft …`),
// in check mode (`nft -c`, which validates against the kernel without committing),
// and lists owned tables as JSON for the drift check. Errors are typed (errors.ts).
//
// Why a file and not stdin: nft takes end of input as the end of the script, and
// a script cut anywhere is very often still a valid, shorter one (`tcp dport 10`
// out of `tcp dport 1000`). A gateway killed while writing the script into nft's
// stdin would have the kernel commit a partial ruleset. A file is written whole
// before nft starts, so a kill leaves the kernel with the old or the new ruleset.
import { spawn } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
  /** Where the script files are written (a private directory per run); default the OS temp dir. */
  readonly scriptDir?: string;
}

/** Outcome of a successful run. */
export interface NftRunResult {
  readonly durationMs: number;
  readonly stdout: string;
}

/** Options of one apply. */
export interface ApplyOptions {
  /** Only check the script against the kernel (`nft -c`), commit nothing. */
  readonly check?: boolean;
  /**
   * Work that can overlap nft: called at most once, synchronously, once nft runs
   * (an executor may not call it at all; the caller then does the work after).
   * Must not throw.
   */
  readonly whileRunning?: () => void;
}

/** Runs nft; the seam that tests fake (FakeNft implements it in memory). */
export interface NftExecutor {
  /** Applies `tx` atomically (or only checks it when `check`). Rejects with NftError. */
  applyTransaction(tx: Transaction, opts?: ApplyOptions): Promise<NftRunResult>;
  /** `nft -j list table inet NAME`, parsed; rejects with NftError (object_not_found if absent). */
  listTableJson(table: string): Promise<unknown>;
}

const SCRIPT_DIR_PREFIX = "lbaas-nft-script-";

/**
 * Removes the script directories (in `dir`, default the OS temp dir) that
 * processes killed mid-apply left behind: those whose process id is not alive.
 * Best effort: returns how many it removed and never throws.
 */
export async function removeStaleScriptDirs(dir: string = tmpdir()): Promise<number> {
  let removed = 0;
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const pid = new RegExp(`^${SCRIPT_DIR_PREFIX}(\\d+)-`).exec(name)?.[1];
    if (pid === undefined || isAlive(Number(pid))) continue;
    await rm(join(dir, name), { recursive: true, force: true }).then(
      () => (removed += 1),
      () => undefined,
    );
  }
  return removed;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
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
  applyTransaction(tx: Transaction, opts: ApplyOptions = {}): Promise<NftRunResult> {
    return this.apply(toScript(tx), opts);
  }

  /**
   * Writes `script` to a file in a fresh private directory, runs `nft -f FILE`
   * (or `nft -c -f FILE`) and removes the directory. Resolves with the wall-clock
   * duration (file write included); rejects with a classified NftError, in which
   * case the kernel still holds its previous ruleset. An empty script is not run
   * (and `whileRunning` is not called). `whileRunning` runs once nft was spawned.
   */
  async apply(script: string, opts: ApplyOptions = {}): Promise<NftRunResult> {
    if (script === "") return { durationMs: 0, stdout: "" };
    const started = performance.now();
    let dir: string;
    try {
      dir = await mkdtemp(
        join(this.options.scriptDir ?? tmpdir(), `${SCRIPT_DIR_PREFIX}${process.pid}-`),
      );
      await writeFile(join(dir, "ruleset.nft"), script, { mode: 0o600 });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new NftError("failed", `cannot write the nft script: ${message}`);
    }
    try {
      const file = join(dir, "ruleset.nft");
      const args = [...(opts.check === true ? ["-c"] : []), "-f", file];
      const result = await this.exec(args, file, opts.whileRunning);
      return { ...result, durationMs: performance.now() - started };
    } finally {
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  /** Lists one inet table as nft JSON (`nft -j list table inet NAME`). */
  async listTableJson(table: string): Promise<unknown> {
    if (!/^[A-Za-z][A-Za-z0-9_.-]*$/.test(table))
      throw new NftError("syntax_error", `table: ${JSON.stringify(table)} is not a table name`);
    const { stdout } = await this.exec(["-j", "list", "table", "inet", table]);
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

  /**
   * Runs nft with `args`. `scriptFile`, when given, is shown as `ruleset.nft` in
   * error messages and stderr, so that they do not vary with the temp path.
   * `whileRunning` is called once the child was spawned and its listeners are set.
   */
  private exec(
    args: readonly string[],
    scriptFile?: string,
    whileRunning?: () => void,
  ): Promise<NftRunResult> {
    const nft = this.options.nftPath ?? "nft";
    const [cmd, argv] =
      this.options.netns === undefined
        ? [nft, [...args]]
        : ["ip", ["netns", "exec", this.options.netns, nft, ...args]];
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"] });
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
        const raw = Buffer.concat(err).toString("utf8").trim();
        const stderr = scriptFile === undefined ? raw : raw.replaceAll(scriptFile, "ruleset.nft");
        const shown = args.map((a) => (a === scriptFile ? "ruleset.nft" : a)).join(" ");
        if (exitCode === 0)
          return resolve({ durationMs, stdout: Buffer.concat(out).toString("utf8") });
        if (signal === "SIGKILL")
          return reject(new NftError("timeout", `nft ${shown}: killed after timeout`, stderr));
        // `ip netns exec` exits 255 when it cannot exec nft.
        const code = /exec of "[^"]*" failed: No such file/.test(stderr)
          ? "nft_not_found"
          : classifyStderr(stderr);
        const first =
          stderr.split("\n").find((l) => l.includes("Error") || l.includes("Cannot")) ??
          stderr.split("\n")[0] ??
          "";
        reject(new NftError(code, `nft ${shown}: ${first.toLowerCase()}`, stderr, exitCode));
      });
      whileRunning?.();
    });
  }
}
