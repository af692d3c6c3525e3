/**
 * Command line and sizes of `npm run reliability`. Every size has a full default, a `--quick` default
 * (minutes on 2 cores) and an env var that overrides both.
 */

export const FIGURES = ["fuzz", "races", "tenancy", "crash", "git_outage"] as const;
export type FigureName = (typeof FIGURES)[number];

export interface Sizes {
  /** Bodies the fuzz figure sends (PLINTH_RELIABILITY_FUZZ_BODIES). */
  fuzzBodies: number;
  /** Interleavings the races figure runs (PLINTH_RELIABILITY_RACES). */
  races: number;
  /** Names raced at the same time (PLINTH_RELIABILITY_RACE_WIDTH). */
  raceWidth: number;
  /** SIGKILLs of the platform process (PLINTH_RELIABILITY_KILLS). */
  kills: number;
  /** Requests per burst between kills (PLINTH_RELIABILITY_BURST). */
  burst: number;
  /** Seconds the State Store remote is cut (PLINTH_RELIABILITY_OUTAGE_S). */
  outageSeconds: number;
  /** Seed of every random choice (PLINTH_RELIABILITY_SEED). */
  seed: number;
  /** Upper bound on one figure's wall time, seconds (PLINTH_RELIABILITY_FIGURE_TIMEOUT_S). */
  figureTimeoutSeconds: number;
}

export interface ReliabilityArgs {
  quick: boolean;
  only: Set<FigureName>;
  sizes: Sizes;
}

const FULL: Sizes = { fuzzBodies: 2000, races: 100, raceWidth: 10, kills: 20, burst: 5, outageSeconds: 30, seed: 1, figureTimeoutSeconds: 1800 };
const QUICK: Sizes = { fuzzBodies: 400, races: 20, raceWidth: 10, kills: 3, burst: 3, outageSeconds: 30, seed: 1, figureTimeoutSeconds: 900 };
const ENV: Record<keyof Sizes, string> = {
  fuzzBodies: "PLINTH_RELIABILITY_FUZZ_BODIES",
  races: "PLINTH_RELIABILITY_RACES",
  raceWidth: "PLINTH_RELIABILITY_RACE_WIDTH",
  kills: "PLINTH_RELIABILITY_KILLS",
  burst: "PLINTH_RELIABILITY_BURST",
  outageSeconds: "PLINTH_RELIABILITY_OUTAGE_S",
  seed: "PLINTH_RELIABILITY_SEED",
  figureTimeoutSeconds: "PLINTH_RELIABILITY_FIGURE_TIMEOUT_S",
};

export function parseArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): ReliabilityArgs {
  const quick = argv.includes("--quick");
  const i = argv.indexOf("--only");
  const list = i >= 0 ? (argv[i + 1] ?? "").split(",").filter(Boolean) : [...FIGURES];
  if (i >= 0 && list.length === 0) throw new Error(`--only needs a comma-separated list of figures: ${FIGURES.join(", ")}`);
  for (const f of list) if (!(FIGURES as readonly string[]).includes(f)) throw new Error(`--only: unknown figure "${f}"; known: ${FIGURES.join(", ")}`);
  const sizes: Sizes = { ...(quick ? QUICK : FULL) };
  for (const [key, name] of Object.entries(ENV) as [keyof Sizes, string][]) {
    const raw = env[name];
    if (raw === undefined || raw === "") continue;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name}=${raw}: must be a whole number ≥ 0`);
    sizes[key] = n;
  }
  return { quick, only: new Set(list as FigureName[]), sizes };
}
