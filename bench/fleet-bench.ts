/**
 * `npm run bench` (part): offline plan time of a fleet by its number of clusters, per cluster and as
 * a ratio to one cluster measured in the same run (the first size is a single-cluster stack; with a fixed part, a linear plan shows a ratio below 1 that levels off).
 * Prints figures only; nothing here passes or fails on time.
 */
import { performance } from "perf_hooks";
import { planStack } from "../plan/engine";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SIZES = (process.env.BENCH_FLEET_CLUSTERS ?? "1,3,10").split(",").map(Number);
const MODES = (process.env.BENCH_FLEET_MODES ?? "plugin,vault").split(",");

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** A stack of `count` clusters (one cluster: no `clusters` key, as a single-cluster stack is). */
function fleetConfig(mode: string, count: number): Record<string, string> {
    const values: Record<string, string> = { "istio-ca:caMode": mode, "istio-ca:trustDomain": "prod.example.com" };
    if (mode === "vault") {
        values["istio-ca:vaultAddress"] = "https://vault.example.com:8200";
        values["istio-ca:vaultKubernetesApiAudience"] = "https://kubernetes.default.svc.cluster.local";
        if (count === 1) values["istio-ca:vaultKubernetesHost"] = "https://c0.k8s.example.com:6443";
    }
    if (count > 1) {
        const clusters = Array.from({ length: count }, (_, i) => ({
            name: `c${i}`,
            context: `ctx-${i}`,
            network: `net-${i}`,
            ...(mode === "vault" ? { vaultKubernetesHost: `https://c${i}.k8s.example.com:6443` } : {}),
        }));
        values["istio-ca:clusters"] = JSON.stringify(clusters);
    }
    return values;
}

async function timePlan(mode: string, count: number): Promise<{ medianMs: number; resources: number }> {
    const values = fleetConfig(mode, count);
    const plan = () => planStack({ stack: `fleet-${mode}-${count}`, config: { values, secretKeys: [] } });
    await plan(); // warm-up
    const times: number[] = [];
    let resources = 0;
    for (let i = 0; i < RUNS; i++) {
        const start = performance.now();
        resources = (await plan()).resources.length;
        times.push(performance.now() - start);
    }
    return { medianMs: median(times), resources };
}

async function main(): Promise<void> {
    console.log(`\nPlan time by number of clusters, median of ${RUNS} runs (node ${process.version})\n`);
    console.log(`${"caMode".padEnd(8)} ${"clusters".padStart(8)} ${"resources".padStart(9)} ${"median ms".padStart(10)} ${"ms/cluster".padStart(11)} ${"ratio to 1".padStart(11)}`);
    for (const mode of MODES) {
        let perClusterAtOne: number | undefined;
        for (const count of SIZES) {
            const { medianMs, resources } = await timePlan(mode, count);
            const perCluster = medianMs / count;
            perClusterAtOne ??= perCluster;
            console.log(
                `${mode.padEnd(8)} ${String(count).padStart(8)} ${String(resources).padStart(9)} ${medianMs.toFixed(1).padStart(10)} ${perCluster.toFixed(1).padStart(11)} ${(perCluster / perClusterAtOne).toFixed(2).padStart(11)}`,
            );
        }
    }
}

main().catch((error) => {
    console.error(error);
    process.exit(1);
});
