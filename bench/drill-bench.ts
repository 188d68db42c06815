/**
 * `npm run bench` (second part): the rotation drill's figures, handshakes/s and failed
 * handshakes per phase, for the phased rotation and the naive swap on the same load.
 * Prints figures only; nothing here passes or fails on speed.
 * Settings: BENCH_DRILL_WORKLOADS (6), BENCH_DRILL_RATE (200), BENCH_DRILL_PHASE_SECONDS (3).
 */
import { RotationPlanSource } from "../drill/certSource";
import { runDrill } from "../drill/run";
import { PhaseFigures } from "../drill/stats";

function setting(name: string, fallback: number): number {
    const value = Number(process.env[name] ?? fallback);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${process.env[name]}"`);
    return value;
}

function line(scenario: string, figures: PhaseFigures): string {
    const latency = [figures.p50Ms, figures.p95Ms, figures.p99Ms].map((v) => (v === undefined ? "-" : v.toFixed(1))).join(" / ");
    return `${scenario.padEnd(8)} ${figures.phase.padEnd(11)} ${String(figures.handshakes).padStart(10)} ${figures.handshakesPerSecond.toFixed(1).padStart(8)} ${String(figures.failures).padStart(7)} ${String(figures.skipped).padStart(8)}  ${latency}`;
}

async function main(): Promise<void> {
    const options = { workloads: setting("BENCH_DRILL_WORKLOADS", 6), rate: setting("BENCH_DRILL_RATE", 200), phaseSeconds: setting("BENCH_DRILL_PHASE_SECONDS", 3) };
    const certs = await new RotationPlanSource().load();
    const result = await runDrill(certs, options);
    console.log(`\nRotation drill, ${options.workloads} workloads, ${options.rate} requests/s offered, ${options.phaseSeconds} s per phase (node ${process.version})\n`);
    console.log(`${"scenario".padEnd(8)} ${"phase".padEnd(11)} ${"handshakes".padStart(10)} ${"hs/s".padStart(8)} ${"failed".padStart(7)} ${"skipped".padStart(8)}  p50 / p95 / p99 ms`);
    for (const scenario of [result.phased, result.naive]) {
        for (const figures of scenario.phases) console.log(line(scenario.scenario, figures));
        console.log(line(scenario.scenario, scenario.total));
    }
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
