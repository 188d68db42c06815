/**
 * The fleet drill: the rotation of a mesh that spans clusters. Every cluster's workloads get
 * certificates from that cluster's own intermediate (its `cacerts`), under the roots the clusters
 * share, and requests go only between workloads of different clusters. Two scenarios on the same
 * load and certificates:
 *
 * - `fleet-phased`: the four phases, each applied to every cluster in the same step, as one
 *   `pulumi up` of the fleet's stack does; the clusters take a step at different moments within the
 *   propagation delay, as every workload does;
 * - `fleet-naive`: the naive swap (new root only, new intermediate) done one cluster at a time: while
 *   one cluster has swapped and another has not, neither trusts the other's certificates.
 */
import { FleetCertificates } from "./certSource";
import { CaStep, DrillOptions, DrillSettings, FleetLayout, ScenarioResult, drillSettings, runScenario } from "./run";

export interface FleetDrillSettings extends DrillSettings {
    clusters: string[];
}

export interface FleetDrillResult {
    settings: FleetDrillSettings;
    phased: ScenarioResult;
    naive: ScenarioResult;
}

/** Workload i runs in cluster i mod the number of clusters. */
export function fleetLayout(certs: FleetCertificates): FleetLayout {
    return { clusters: certs.clusters, clusterOf: (workload) => workload % certs.clusters.length };
}

/** The phased rotation: each phase in every cluster at once. */
export function fleetPhasedSteps(certs: FleetCertificates, phaseMs: number): CaStep[] {
    return certs.clusterPhases.map((byCluster, k) => ({ durationMs: phaseMs, certificates: certs.phases[k], byCluster }));
}

/**
 * The naive swap one cluster at a time: steady everywhere, then per cluster a step in which that
 * cluster (and those before it) has the last phase's bundle (new root only) and intermediate; then,
 * as long as the phased rotation runs, every cluster on the new root (`after-swap`), so that both
 * scenarios run as long.
 */
export function fleetNaiveSteps(certs: FleetCertificates, phaseMs: number): CaStep[] {
    const first = certs.clusterPhases[0];
    const last = certs.clusterPhases[certs.clusterPhases.length - 1];
    const steps: CaStep[] = [
        { durationMs: phaseMs, certificates: certs.phases[0], byCluster: first },
        ...certs.clusters.map((cluster, c) => ({
            durationMs: phaseMs,
            certificates: { ...last[c], phase: `swap ${cluster}` },
            byCluster: certs.clusters.map((_, j) => (j <= c ? last[j] : first[j])),
        })),
    ];
    const rest = certs.clusterPhases.length - steps.length;
    if (rest > 0) steps.push({ durationMs: phaseMs * rest, certificates: { ...last[0], phase: "after-swap" }, byCluster: last });
    return steps;
}

/** Checks the options against the fleet and the clock; returns the settings in force. */
export function fleetDrillSettings(certs: FleetCertificates, options: DrillOptions): FleetDrillSettings {
    const settings = drillSettings(certs, options);
    if (certs.clusters.length < 2) throw new Error(`the fleet drill needs at least two clusters; ${certs.description} has ${certs.clusters.length}`);
    if (options.workloads < certs.clusters.length)
        throw new Error(`--workloads must be at least the number of clusters (${certs.clusters.length}), so that every cluster runs a workload; got ${options.workloads}`);
    return { ...settings, clusters: certs.clusters };
}

/** The fleet drill: the phased rotation (refused before anything starts if it breaks the overlap rule across clusters), then the naive swap one cluster at a time. */
export async function runFleetDrill(certs: FleetCertificates, options: DrillOptions): Promise<FleetDrillResult> {
    const settings = fleetDrillSettings(certs, options);
    const phaseMs = options.phaseSeconds * 1000;
    const layout = fleetLayout(certs);
    const phased = await runScenario("fleet-phased", fleetPhasedSteps(certs, phaseMs), certs, options, undefined, layout);
    const naive = await runScenario("fleet-naive", fleetNaiveSteps(certs, phaseMs), certs, options, undefined, layout);
    return { settings, phased, naive };
}
