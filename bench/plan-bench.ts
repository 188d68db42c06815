/**
 * `npm run bench`: how long the offline plan takes per stack (median of several runs).
 * Prints figures only; nothing here passes or fails on time.
 */
import { performance } from "perf_hooks";
import { StackConfig, listStacks, loadStackConfig, planStack } from "../plan/engine";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

interface Timing {
    medianMs: number;
    minMs: number;
    /** Median CPU time of the process (all its threads, garbage collection included): what the plan itself costs, whatever else the machine runs. */
    cpuMs: number;
    resources: number;
}

async function timeRuns(run: () => Promise<{ resources: unknown[] }>): Promise<Timing> {
    const times: number[] = [];
    const cpuTimes: number[] = [];
    let resources = 0;
    await run(); // warm-up: module loading and JIT
    for (let i = 0; i < RUNS; i++) {
        const start = performance.now();
        const cpuStart = process.cpuUsage();
        const plan = await run();
        const cpu = process.cpuUsage(cpuStart);
        times.push(performance.now() - start);
        cpuTimes.push((cpu.user + cpu.system) / 1000);
        resources = plan.resources.length;
    }
    return { medianMs: median(times), minMs: Math.min(...times), cpuMs: median(cpuTimes), resources };
}

/**
 * A stack's config, planned on its own: a rotation step past steady has no earlier step's recorded
 * state here, so it is adopted mid-rotation (as the plan tests do), which the guard would otherwise refuse.
 */
function alone(config: StackConfig): StackConfig {
    const phase = config.values["istio-ca:rotationPhase"] ?? "steady";
    if (phase === "steady") return config;
    const values = { ...config.values, "istio-ca:rotationOverride": "adopt-mid-rotation", "istio-ca:rotationOverrideReason": "benchmarking this step alone" };
    return { ...config, values };
}

/** Mesh sizes to plan; 0 is always measured too, as the fixed cost every size is measured against. */
const MESH_SIZES = [...new Set([0, ...(process.env.BENCH_MESH_NAMESPACES ?? "0,100,200,400,800").split(",").map(Number)])].sort((a, b) => a - b);

/** Which parts to run: `stacks`, `mesh`, or both (default). */
const PARTS = new Set((process.env.BENCH_ONLY ?? "stacks,mesh").split(",").map((part) => part.trim()));

/** Plug-in stack config with `count` namespaces, each with a PERMISSIVE fallback and a pinned host. */
function meshConfig(count: number): Record<string, string> {
    const namespaces = Array.from({ length: count }, (_, i) => `team-${i}`);
    const fallbacks = namespaces.map((namespace) => ({ namespace, selector: { app: "legacy-batch" }, reason: "sidecar-less batch jobs" }));
    const pins = namespaces.map((namespace) => ({ host: `api.${namespace}.svc.cluster.local`, clientNamespace: namespace, serviceAccounts: [`${namespace}/api`] }));
    return {
        "istio-ca:caMode": "plugin",
        "istio-ca:permissiveFallbacks": JSON.stringify(fallbacks),
        "istio-ca:pinnedHosts": JSON.stringify(pins),
    };
}

/**
 * Plan time against mesh size. Per namespace: the median above the 0-namespace plan, divided by the
 * namespaces, for elapsed and for CPU time; ratio: that cost over the same cost at the smallest size
 * measured (about 1 when the plan is linear in namespaces); step: the elapsed cost of each namespace
 * added since the size before. Elapsed time also counts whatever else the machine runs; CPU time
 * counts only this process.
 */
async function meshScaling(): Promise<void> {
    console.log(`\nPlan time by mesh size (plugin CA; per namespace: one PERMISSIVE fallback, one pinned host), median of ${RUNS} runs (node ${process.version})\n`);
    const columns: [string, number][] = [
        ["namespaces", 10],
        ["resources", 9],
        ["median ms", 10],
        ["min ms", 8],
        ["ms/namespace", 13],
        ["ratio", 6],
        ["step ms/ns", 11],
        ["cpu ms", 8],
        ["cpu ms/ns", 10],
        ["cpu ratio", 10],
    ];
    const row = (cells: string[]) => console.log(cells.map((cell, i) => cell.padStart(columns[i][1])).join(" "));
    row(columns.map(([title]) => title));
    let fixed: Timing | undefined;
    let smallest: { wall: number; cpu: number } | undefined;
    let previous: { count: number; medianMs: number } | undefined;
    for (const count of MESH_SIZES) {
        const values = meshConfig(count);
        const result = await timeRuns(() => planStack({ stack: `mesh-${count}`, config: { values, secretKeys: [] } }));
        fixed ??= result;
        const perNamespace = count > 0 ? { wall: (result.medianMs - fixed.medianMs) / count, cpu: (result.cpuMs - fixed.cpuMs) / count } : undefined;
        if (perNamespace) smallest ??= perNamespace;
        const ratio = (key: "wall" | "cpu") => (perNamespace && smallest ? (perNamespace[key] / smallest[key]).toFixed(2) : "-");
        const step = previous && count > 0 ? ((result.medianMs - previous.medianMs) / (count - previous.count)).toFixed(2) : "-";
        row([
            String(count),
            String(result.resources),
            result.medianMs.toFixed(1),
            result.minMs.toFixed(1),
            perNamespace?.wall.toFixed(2) ?? "-",
            ratio("wall"),
            step,
            result.cpuMs.toFixed(0),
            perNamespace?.cpu.toFixed(2) ?? "-",
            ratio("cpu"),
        ]);
        previous = { count, medianMs: result.medianMs };
    }
}

async function main(): Promise<void> {
    if (PARTS.has("stacks")) {
        console.log(`Offline plan, median of ${RUNS} runs per stack (node ${process.version})\n`);
        console.log(`${"stack".padEnd(36)} ${"resources".padStart(9)} ${"median ms".padStart(10)} ${"min ms".padStart(8)}`);
        for (const { stack, file } of listStacks()) {
            const config = alone(loadStackConfig(file));
            const result = await timeRuns(() => planStack({ stack, config }));
            console.log(`${stack.padEnd(36)} ${String(result.resources).padStart(9)} ${result.medianMs.toFixed(1).padStart(10)} ${result.minMs.toFixed(1).padStart(8)}`);
        }
    }
    if (PARTS.has("mesh")) await meshScaling();
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
