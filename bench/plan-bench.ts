/**
 * `npm run bench`: how long the offline plan takes per stack (median of several runs).
 * Prints figures only; nothing here passes or fails on time.
 */
import { performance } from "perf_hooks";
import { listStacks, planStack } from "../plan/engine";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function timeRuns(run: () => Promise<{ resources: unknown[] }>): Promise<{ medianMs: number; minMs: number; resources: number }> {
    const times: number[] = [];
    let resources = 0;
    await run(); // warm-up: module loading and JIT
    for (let i = 0; i < RUNS; i++) {
        const start = performance.now();
        const plan = await run();
        times.push(performance.now() - start);
        resources = plan.resources.length;
    }
    return { medianMs: median(times), minMs: Math.min(...times), resources };
}

/** Mesh sizes to plan; 0 is always measured too, as the fixed cost every size is measured against. */
const MESH_SIZES = [...new Set([0, ...(process.env.BENCH_MESH_NAMESPACES ?? "0,10,50,200").split(",").map(Number)])].sort((a, b) => a - b);

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
 * Plan time against mesh size. Per namespace: the median above the 0-namespace plan, divided by
 * the namespaces; ratio: that cost over the same cost at the smallest size measured (about 1 when
 * plan time is linear in namespaces); step: the cost of each namespace added since the size before.
 */
async function meshScaling(): Promise<void> {
    console.log(`\nPlan time by mesh size (plugin CA; per namespace: one PERMISSIVE fallback, one pinned host), median of ${RUNS} runs\n`);
    console.log(
        `${"namespaces".padStart(10)} ${"resources".padStart(9)} ${"median ms".padStart(10)} ${"min ms".padStart(8)} ${"ms/namespace".padStart(13)} ${"ratio".padStart(6)} ${"step ms/ns".padStart(11)}`,
    );
    let fixed: number | undefined;
    let smallest: number | undefined;
    let previous: { count: number; medianMs: number } | undefined;
    for (const count of MESH_SIZES) {
        const values = meshConfig(count);
        const result = await timeRuns(() => planStack({ stack: `mesh-${count}`, config: { values, secretKeys: [] } }));
        fixed ??= result.medianMs;
        const perNamespace = count > 0 ? (result.medianMs - fixed) / count : undefined;
        if (perNamespace !== undefined) smallest ??= perNamespace;
        const ratio = perNamespace !== undefined && smallest ? (perNamespace / smallest).toFixed(2) : "-";
        const step = previous && count > 0 ? ((result.medianMs - previous.medianMs) / (count - previous.count)).toFixed(2) : "-";
        console.log(
            `${String(count).padStart(10)} ${String(result.resources).padStart(9)} ${result.medianMs.toFixed(1).padStart(10)} ${result.minMs.toFixed(1).padStart(8)} ${(perNamespace?.toFixed(2) ?? "-").padStart(13)} ${ratio.padStart(6)} ${step.padStart(11)}`,
        );
        previous = { count, medianMs: result.medianMs };
    }
}

async function main(): Promise<void> {
    if (PARTS.has("stacks")) {
        console.log(`Offline plan, median of ${RUNS} runs per stack (node ${process.version})\n`);
        console.log(`${"stack".padEnd(32)} ${"resources".padStart(9)} ${"median ms".padStart(10)} ${"min ms".padStart(8)}`);
        for (const { stack, file } of listStacks()) {
            const result = await timeRuns(() => planStack({ stack, configFile: file }));
            console.log(`${stack.padEnd(32)} ${String(result.resources).padStart(9)} ${result.medianMs.toFixed(1).padStart(10)} ${result.minMs.toFixed(1).padStart(8)}`);
        }
    }
    if (PARTS.has("mesh")) await meshScaling();
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
