/**
 * The Pulumi CLI processes this process runs (engine runs). The in-process provider serves only
 * connections these processes opened (service/provider/peer.ts).
 */
const running = new Set<number>();

export function engineStarted(pid: number): void {
  running.add(pid);
}

export function engineExited(pid: number): void {
  running.delete(pid);
}

export function isEngineProcess(pid: number): boolean {
  return running.has(pid);
}

export function enginePids(): Iterable<number> {
  return running;
}
