/** Command line of `npm run bench`. */

export const FIGURES = ["request_to_commit_ms", "burst100_s", "rss_mb", "commit_scaling", "platform_up_s", "start_s", "request_to_applied_ms", "applied_at_scale", "cli_ms", "request_to_commit_shared_ms", "replicas_burst100_s", "failover_s"] as const;

export interface BenchArgs {
  /** Fewer samples: 5 sequential, burst 20, scaling on 2 000 dirs, 5 requests to Applied. */
  quick: boolean;
  /** Figures to take (default: all). */
  only: Set<string>;
}

export function parseArgs(argv: string[]): BenchArgs {
  const quick = argv.includes("--quick");
  const i = argv.indexOf("--only");
  const only = new Set<string>(i >= 0 ? (argv[i + 1] ?? "").split(",").filter(Boolean) : FIGURES);
  if (i >= 0 && only.size === 0) throw new Error(`--only needs a comma-separated list of figures: ${FIGURES.join(", ")}`);
  for (const f of only) if (!(FIGURES as readonly string[]).includes(f)) throw new Error(`--only: unknown figure "${f}"; known: ${FIGURES.join(", ")}`);
  return { quick, only };
}
