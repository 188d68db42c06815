/**
 * The ambient drill: the same rotation, with workloads that get certificates and roots as ztunnel
 * does for the identities on its node. Each identity's roots come only with its own certificate
 * (the CSR response's last element) and change only when it renews, at half the certificate's life;
 * nothing is pushed. Three scenarios on the same load and certificates:
 *
 * - `ambient-guarded`: the four phases, each step taken when the guard allows it in ambient mode
 *   (sign-new after the propagation delay, half of maxWorkloadCertTtl and 15m; retire-old after
 *   maxWorkloadCertTtl and the delay), on the compressed clock;
 * - `ambient-sidecar-wait`: the same, with sign-new as early as the guard allows it with sidecars
 *   (the propagation delay alone): identities that have not renewed since trust-both lack the new root;
 * - `ambient-ca-crt`: the guarded timing, with CSR responses that carry only the signing root, as
 *   istiod's with a kubernetes.io/tls cacerts (`ca.crt`), the other root going to
 *   meshConfig.caCertificates, which ztunnel never reads.
 */
import { DrillCertificates, allRootPems, phaseTrust } from "./certSource";
import { AmbientModel, CaStep, DrillOptions, ScenarioResult, checkLoadOptions, givenRoots, overlapProblems, runScenario } from "./run";
import { checkZtunnelRefresh, compressionFactor, minimumSafePhaseMs, ztunnelRefreshAt } from "./schedule";

export interface AmbientDrillOptions extends DrillOptions {
    /** Nodes the identities run on, one ztunnel each (identity i on node i mod nodes). Default 3. */
    nodes?: number;
    /** Drill time istiod takes to serve a new step (kubelet sync and reload of cacerts), ms. Default: the stack's propagation delay on the compressed clock. */
    caPropagationMs?: number;
}

export interface AmbientDrillSettings {
    workloads: number;
    nodes: number;
    rate: number;
    phaseSeconds: number;
    workloadCertTtl: string;
    compressedTtlSeconds: number;
    clockCompression: number;
    /** ztunnel renews at half the life. */
    refreshAfterSeconds: number;
    caPropagationMs: number;
    /** The guard's waits in ambient mode, mesh time and drill time. */
    signNewWait: string;
    signNewWaitMs: number;
    retireOldWait: string;
    retireOldWaitMs: number;
    /** The guard's wait before sign-new with sidecars (the propagation delay), mesh and drill time. */
    sidecarSignNewWait: string;
    sidecarSignNewWaitMs: number;
    /** Shortest time between an identity renewing onto a root and that root signing, in the guarded scenario, ms: in-flight handshakes must end within it. */
    marginMs: number;
    trustDomain: string;
    certificateSource: string;
}

export interface AmbientDrillResult {
    settings: AmbientDrillSettings;
    guarded: ScenarioResult;
    sidecarWait: ScenarioResult;
    caCrt: ScenarioResult;
}

/** The guarded, sidecar-wait and ca.crt scenarios: their steps and how identities get roots. */
export interface AmbientScenarios {
    guarded: CaStep[];
    sidecarWait: CaStep[];
    caCrt: CaStep[];
    model: AmbientModel;
    caCrtModel: AmbientModel;
}

function hoursText(ms: number): string {
    const minutes = Math.round(ms / 60000);
    return `${Math.floor(minutes / 60)}h${minutes % 60 ? `${minutes % 60}m` : ""}`;
}

function round3(value: number): number {
    return Math.round(value * 1000) / 1000;
}

/** The drill's clock and the guard's waits on it. */
export function ambientTimings(certs: DrillCertificates, options: AmbientDrillOptions) {
    const refreshMs = certs.timing.peerRootRefreshMs;
    if (certs.dataPlane !== "ambient" || refreshMs === undefined) {
        throw new Error(`the ambient drill needs an ambient stack's rotation (stacks/rotation-ambient/), whose guard waits for ztunnel; ${certs.description} is not one`);
    }
    const phaseMs = options.phaseSeconds * 1000;
    const compressedTtlMs = (options.ttlSeconds ?? options.phaseSeconds * 0.8) * 1000;
    const factor = compressionFactor(certs.workloadCertTtlMs, compressedTtlMs);
    const compress = (meshMs: number) => meshMs / factor;
    const { timing } = certs;
    const caPropagationMs = options.caPropagationMs ?? compress(timing.propagationDelayMs);
    return {
        phaseMs,
        compressedTtlMs,
        factor,
        caPropagationMs,
        refreshAfterMs: ztunnelRefreshAt(0, compressedTtlMs),
        signNewWaitMs: compress(timing.propagationDelayMs + refreshMs),
        retireOldWaitMs: compress(timing.oldChainLifetimeMs + timing.propagationDelayMs),
        sidecarSignNewWaitMs: compress(timing.propagationDelayMs),
    };
}

/**
 * The three scenarios' steps: steady and retire-old last `phaseMs`; trust-both and sign-new last
 * exactly the guard's wait before the next step (the sidecar wait before sign-new in `sidecarWait`).
 */
export function ambientScenarios(certs: DrillCertificates, options: AmbientDrillOptions): AmbientScenarios {
    const t = ambientTimings(certs, options);
    const nodes = options.nodes ?? 3;
    const model: AmbientModel = { caPropagationMs: t.caPropagationMs, csrRoots: "trusted", nodeOf: (i) => i % nodes };
    const steps = (trustBothMs: number): CaStep[] => [t.phaseMs, trustBothMs, t.retireOldWaitMs, t.phaseMs].map((durationMs, i) => ({ durationMs, certificates: certs.phases[i] }));
    return {
        guarded: steps(t.signNewWaitMs),
        sidecarWait: steps(t.sidecarSignNewWaitMs),
        caCrt: steps(t.signNewWaitMs),
        model,
        caCrtModel: { ...model, csrRoots: "signing-root" },
    };
}

/** Violations of ztunnel's renewal rule by a scenario (none for the guarded rotation). */
export function refreshProblems(steps: CaStep[], certs: DrillCertificates, model: AmbientModel, refreshAfterMs: number): string[] {
    const roots = allRootPems(certs.phases);
    return checkZtunnelRefresh(
        steps.map((step) => ({ ...phaseTrust({ ...step.certificates, trustedRootPems: givenRoots(step.certificates, roots, model) }, roots), durationMs: step.durationMs })),
        refreshAfterMs,
    );
}

/** Checks the options and the clock; returns the settings in force. */
export function ambientDrillSettings(certs: DrillCertificates, options: AmbientDrillOptions): AmbientDrillSettings {
    checkLoadOptions(options);
    const nodes = options.nodes ?? 3;
    const problems: string[] = [];
    if (!Number.isInteger(nodes) || nodes < 2 || nodes > options.workloads) problems.push(`--nodes must be an integer from 2 to --workloads (${options.workloads}), got ${nodes}`);
    if (options.caPropagationMs !== undefined && !(options.caPropagationMs >= 0 && options.caPropagationMs <= 60000))
        problems.push(`--ca-propagation-ms must be between 0 and 60000, got ${options.caPropagationMs}`);
    if (problems.length > 0) throw new Error(problems.join("\n"));
    const t = ambientTimings(certs, options);
    const slackMs = 250;
    const minimumMs = minimumSafePhaseMs(t.refreshAfterMs, t.caPropagationMs, slackMs);
    if (t.phaseMs < minimumMs) {
        throw new Error(
            `--phase-seconds ${options.phaseSeconds} is shorter than the ${(minimumMs / 1000).toFixed(2)} s steady and retire-old need (every ztunnel identity renews once, ${(t.refreshAfterMs / 1000).toFixed(2)} s, after istiod serves the step, ${Math.round(t.caPropagationMs)} ms): raise --phase-seconds or lower --ttl-seconds.`,
        );
    }
    // The guard's own waits must cover a renewal on this clock, with room for a handshake in flight.
    const marginMs = Math.min(t.signNewWaitMs, t.retireOldWaitMs) - t.refreshAfterMs;
    if (marginMs < slackMs) {
        throw new Error(
            `the guard's waits on this clock (${Math.round(t.signNewWaitMs)} ms before sign-new, ${Math.round(t.retireOldWaitMs)} ms before retire-old) leave under ${slackMs} ms after ztunnel's renewal (${Math.round(t.refreshAfterMs)} ms): raise --ttl-seconds.`,
        );
    }
    const hours = certs.workloadCertTtlMs / 3600000;
    return {
        workloads: options.workloads,
        nodes,
        rate: options.rate,
        phaseSeconds: options.phaseSeconds,
        workloadCertTtl: Number.isInteger(hours) ? `${hours}h` : `${certs.workloadCertTtlMs / 1000}s`,
        compressedTtlSeconds: round3(t.compressedTtlMs / 1000),
        clockCompression: Math.round(t.factor),
        refreshAfterSeconds: round3(t.refreshAfterMs / 1000),
        caPropagationMs: Math.round(t.caPropagationMs),
        signNewWait: hoursText(t.signNewWaitMs * t.factor),
        signNewWaitMs: Math.round(t.signNewWaitMs),
        retireOldWait: hoursText(t.retireOldWaitMs * t.factor),
        retireOldWaitMs: Math.round(t.retireOldWaitMs),
        sidecarSignNewWait: hoursText(t.sidecarSignNewWaitMs * t.factor),
        sidecarSignNewWaitMs: Math.round(t.sidecarSignNewWaitMs),
        marginMs: Math.round(marginMs),
        trustDomain: certs.phases[0].trustDomain,
        certificateSource: certs.description,
    };
}

/**
 * The ambient drill: the guarded rotation (refused before anything starts if its steps break the
 * overlap or the renewal rule), then the two unsafe alternatives, on the same load.
 */
export async function runAmbientDrill(certs: DrillCertificates, options: AmbientDrillOptions): Promise<AmbientDrillResult> {
    const settings = ambientDrillSettings(certs, options);
    const scenarios = ambientScenarios(certs, options);
    const { refreshAfterMs } = ambientTimings(certs, options);
    const guardedRefresh = refreshProblems(scenarios.guarded, certs, scenarios.model, refreshAfterMs);
    const guardedOverlap = overlapProblems(scenarios.guarded, certs, scenarios.model);
    if (guardedRefresh.length + guardedOverlap.length > 0) {
        throw new Error(`the guarded ambient rotation would cut traffic: ${[...guardedOverlap, ...guardedRefresh].join("; ")}`);
    }
    const run = async (name: ScenarioResult["scenario"], steps: CaStep[], model: AmbientModel): Promise<ScenarioResult> => ({
        ...(await runScenario(name, steps, certs, options, model)),
        refreshProblems: refreshProblems(steps, certs, model, refreshAfterMs),
    });
    const guarded = await run("ambient-guarded", scenarios.guarded, scenarios.model);
    const sidecarWait = await run("ambient-sidecar-wait", scenarios.sidecarWait, scenarios.model);
    const caCrt = await run("ambient-ca-crt", scenarios.caCrt, scenarios.caCrtModel);
    return { settings, guarded, sidecarWait, caCrt };
}
