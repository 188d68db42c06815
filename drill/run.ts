/**
 * The rotation drill: workloads exchange mTLS requests under steady load while the CA steps
 * through a sequence of trust bundles and signing intermediates; every exchange is counted
 * per phase. Runs the phased rotation and a naive one-step swap on the same load.
 */
import { DrillCertificates, PhaseCertificates, allRootPems, issuingRoot, phaseTrust } from "./certSource";
import {
    buildSchedule,
    checkRotationOverlap,
    compressionFactor,
    initialCertificateAges,
    minimumSafePhaseMs,
    phaseIndexAt,
    propagationDelays,
    renewalTime,
    ztunnelRefreshAt,
    checkFleetOverlap,
} from "./schedule";
import { formatSpiffeId } from "./spiffe";
import { PhaseFigures, PhaseTally, failureReason } from "./stats";
import { Workload, issueWorkloadCertificate } from "./workload";

export interface DrillOptions {
    /** Simulated workloads (each a server and a client). */
    workloads: number;
    /** Requests per second over all workloads; each request is a new mTLS handshake. */
    rate: number;
    /** Real seconds per rotation phase. */
    phaseSeconds: number;
    /** Real seconds one workload certificate lifetime takes on the compressed clock. Default: 0.8 x phaseSeconds. */
    ttlSeconds?: number;
    /** Longest config propagation delay to a workload, ms. Default: 0.3 x phaseSeconds. */
    propagationMs?: number;
    /** Per-request timeout, ms. Default 5000. */
    timeoutMs?: number;
    /**
     * Most requests in flight before the load generator skips one. Default 16. On a busy machine
     * this keeps handshakes short (overload shows as skipped load): a handshake uses the
     * certificates and bundles of the moment it started, so it must finish well within a phase.
     */
    maxInFlight?: number;
    /** Called about every `progressMs` (default 1000) while a scenario runs. */
    onProgress?: (progress: DrillProgress) => void;
    progressMs?: number;
    /** Called for every renewal counted, with the drill time it started. */
    onRenewal?: (renewal: DrillRenewal) => void;
}

export interface DrillRenewal {
    scenario: string;
    workload: string;
    /** The phase it is counted in: the one in force when it started. */
    phase: string;
    startedMs: number;
}

export interface DrillProgress {
    scenario: string;
    phase: string;
    elapsedMs: number;
    totalMs: number;
    handshakes: number;
    failures: number;
}

/** The CA state from one point of the drill on: what is pushed to workloads, what istiod signs with. */
export interface CaStep {
    durationMs: number;
    /** Named by its `phase`. */
    certificates: PhaseCertificates;
    /** In a fleet, each cluster's CA material (in `FleetLayout.clusters` order); `certificates` then only names the step. */
    byCluster?: PhaseCertificates[];
}

/** Which cluster each workload runs in; requests go between workloads of different clusters. */
export interface FleetLayout {
    clusters: string[];
    clusterOf: (workload: number) => number;
}

/** The scenarios the drill runs: with sidecars, the phased rotation and a naive swap; with ambient, see drill/ambient.ts. */
export type ScenarioName = "phased" | "naive" | "ambient-guarded" | "ambient-sidecar-wait" | "ambient-ca-crt" | "fleet-phased" | "fleet-naive";

/**
 * How workloads get certificates and roots when they are ztunnel identities (ambient): each
 * identity's roots come only with its own certificate, the last element of the CSR response, and
 * change only when it renews, at half the certificate's life (istio/ztunnel 1.30.3
 * src/identity/caclient.rs:179-190, src/tls/certificate.rs:240-273, 375-381). Nothing is pushed.
 */
export interface AmbientModel {
    /** Drill time after a step starts until istiod serves it (its reload of cacerts), ms. */
    caPropagationMs: number;
    /**
     * What a CSR response carries as its last element: `trusted`, every trusted root (istiod's cacerts
     * `root-cert.pem`, istio-csr's bundle); `signing-root`, the signing root alone (a kubernetes.io/tls
     * cacerts' `ca.crt`, the other roots going to meshConfig.caCertificates, which ztunnel ignores).
     */
    csrRoots: "trusted" | "signing-root";
    /** Which node each workload runs on; requests go between workloads on different nodes (HBONE between ztunnels). */
    nodeOf: (workload: number) => number;
}

export interface ScenarioResult {
    scenario: ScenarioName;
    phases: PhaseFigures[];
    total: PhaseFigures;
    /** Violations of the overlap rule, found before running (none for a safe rotation). */
    overlapProblems: string[];
    /** Ambient: violations of ztunnel's renewal rule (`checkZtunnelRefresh`), found before running. */
    refreshProblems?: string[];
}

export interface DrillSettings {
    workloads: number;
    rate: number;
    phaseSeconds: number;
    workloadCertTtl: string;
    compressedTtlSeconds: number;
    /** Mesh time per drill time: how much faster than real life certificates age. */
    clockCompression: number;
    gracePeriodRatio: number;
    renewAfterSeconds: number;
    maxPropagationMs: number;
    /** What a phase leaves after one renewal interval and the slowest push, ms: in-flight handshakes must finish within it. */
    phaseMarginMs: number;
    trustDomain: string;
    certificateSource: string;
}

export interface DrillResult {
    settings: DrillSettings;
    phased: ScenarioResult;
    naive: ScenarioResult;
}

const NAMESPACE = "drill";

function round3(value: number): number {
    return Math.round(value * 1000) / 1000;
}
const TICK_MS = 10;

/** The rotation as planned: one step per phase. */
export function phasedSteps(certs: DrillCertificates, phaseMs: number): CaStep[] {
    return certs.phases.map((certificates) => ({ durationMs: phaseMs, certificates }));
}

/** Every root the rotation and the steps mention, in every cluster. */
function stepRoots(steps: CaStep[], certs: DrillCertificates): string[] {
    return allRootPems([...certs.phases, ...steps.flatMap((step) => step.byCluster ?? [step.certificates])]);
}

/** Violations of the overlap rule by a sequence of steps (none for a safe rotation), on the roots workloads are given; in a fleet, across clusters. */
export function overlapProblems(steps: CaStep[], certs: DrillCertificates, ambient?: AmbientModel, fleet?: FleetLayout): string[] {
    const roots = stepRoots(steps, certs);
    if (fleet) {
        return checkFleetOverlap(
            steps.map((step) => ({
                name: step.certificates.phase,
                clusters: fleet.clusters.map((cluster, c) => {
                    const certificates = step.byCluster?.[c] ?? step.certificates;
                    const { trustedRoots, signingRoot } = phaseTrust({ ...certificates, trustedRootPems: givenRoots(certificates, roots, ambient) }, roots);
                    return { cluster, trustedRoots, signingRoot };
                }),
            })),
        );
    }
    return checkRotationOverlap(steps.map((step) => phaseTrust({ ...step.certificates, trustedRootPems: givenRoots(step.certificates, roots, ambient) }, roots)));
}

/** The roots a workload is given in a step: the pushed bundle, or (ambient) what its CSR response ends with. */
export function givenRoots(certificates: PhaseCertificates, allRoots: string[], ambient?: AmbientModel): string[] {
    if (ambient?.csrRoots !== "signing-root") return certificates.trustedRootPems;
    const signing = issuingRoot(certificates.intermediateCertPem, allRoots);
    if (!signing) throw new Error(`phase ${certificates.phase}: no root of the rotation issued its intermediate`);
    return [signing];
}

/**
 * The naive swap on the same timeline: the first phase, then in one step the last phase's
 * bundle (new root only) and intermediate, kept for the rest of the run.
 */
export function naiveSteps(certs: DrillCertificates, phaseMs: number): CaStep[] {
    const first = certs.phases[0];
    const last = certs.phases[certs.phases.length - 1];
    const rest = certs.phases.length - 2;
    const steps: CaStep[] = [
        { durationMs: phaseMs, certificates: first },
        { durationMs: phaseMs, certificates: { ...last, phase: "swap" } },
    ];
    if (rest > 0) steps.push({ durationMs: phaseMs * rest, certificates: { ...last, phase: "after-swap" } });
    return steps;
}

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

function resolvedTimings(certs: DrillCertificates, options: DrillOptions) {
    const phaseMs = options.phaseSeconds * 1000;
    const compressedTtlMs = (options.ttlSeconds ?? options.phaseSeconds * 0.8) * 1000;
    const maxPropagationMs = options.propagationMs ?? phaseMs * 0.3;
    const renewAfterMs = renewalTime(0, compressedTtlMs, certs.gracePeriodRatio);
    return { phaseMs, compressedTtlMs, maxPropagationMs, renewAfterMs };
}

/**
 * Runs one scenario; all servers and sockets are closed when it resolves. A phased scenario
 * whose steps break the overlap rule is refused before anything starts.
 */
export async function runScenario(
    scenario: ScenarioName,
    steps: CaStep[],
    certs: DrillCertificates,
    options: DrillOptions,
    ambient?: AmbientModel,
    fleet?: FleetLayout,
): Promise<ScenarioResult> {
    const problems = overlapProblems(steps, certs, ambient, fleet);
    if ((scenario === "phased" || scenario === "ambient-guarded" || scenario === "fleet-phased") && problems.length > 0)
        throw new Error(`the certificate source's phases break the overlap rule, so the phased rotation would cut traffic: ${problems.join("; ")}`);
    const { compressedTtlMs, maxPropagationMs } = resolvedTimings(certs, options);
    // ztunnel renews at half the life, whatever gracePeriodRatio says (it is istio-agent's setting).
    const renewAt = (issuedAtMs: number) => (ambient ? ztunnelRefreshAt(issuedAtMs, compressedTtlMs) : renewalTime(issuedAtMs, compressedTtlMs, certs.gracePeriodRatio));
    const renewAfterMs = renewAt(0);
    const allRoots = stepRoots(steps, certs);
    // A workload's CA material in a step: its cluster's in a fleet.
    const caOf = (step: CaStep, workload: number): PhaseCertificates => (fleet && step.byCluster ? step.byCluster[fleet.clusterOf(workload)] : step.certificates);
    const schedule = buildSchedule(steps.map((step) => ({ name: step.certificates.phase, durationMs: step.durationMs })));
    const totalMs = schedule[schedule.length - 1].endMs;
    const tallies = steps.map((step) => new PhaseTally(step.certificates.phase, step.durationMs));
    const total = new PhaseTally("total", totalMs);
    const timeoutMs = options.timeoutMs ?? 5000;
    const maxInFlight = options.maxInFlight ?? 16;
    const validityHours = Math.max(1, Math.ceil(certs.workloadCertTtlMs / 3600000));
    const trustDomain = steps[0].certificates.trustDomain;

    const workloads = Array.from(
        { length: options.workloads },
        (_, i) =>
            new Workload(
                formatSpiffeId({ trustDomain, namespace: NAMESPACE, serviceAccount: fleet ? `${fleet.clusters[fleet.clusterOf(i)]}-workload-${i}` : `workload-${i}` }),
                trustDomain,
            ),
    );
    const delays = propagationDelays(workloads.length, maxPropagationMs);
    const ages = initialCertificateAges(workloads.length, renewAfterMs);
    const timers = new Set<NodeJS.Timeout>();
    const pending = new Set<Promise<unknown>>();
    const track = <T>(promise: Promise<T>): Promise<T> => {
        pending.add(promise);
        promise.finally(() => pending.delete(promise)).catch(() => undefined);
        return promise;
    };
    let running = true;
    let t0 = 0;
    const now = () => performance.now() - t0;
    const at = (tMs: number, action: () => void) => {
        const timer = setTimeout(
            () => {
                timers.delete(timer);
                if (running) action();
            },
            Math.max(0, tMs - now()),
        );
        timers.add(timer);
    };

    try {
        for (const [i, workload] of workloads.entries()) {
            const first = caOf(steps[0], i);
            workload.update({
                certificate: await issueWorkloadCertificate(workload.spiffeId, first.intermediateCertPem, first.intermediateKeyPem, validityHours),
                bundle: givenRoots(first, allRoots, ambient),
            });
            await workload.listen();
        }
        t0 = performance.now();

        // istio-agent: renew once (1 - gracePeriodRatio) of the life is used, from whatever
        // istiod signs with at that moment. ztunnel: at half the life, from what istiod serves
        // then (a step reaches istiod caPropagationMs after it starts), taking the response's roots.
        const renew = (workload: Workload, workloadIndex: number, issuedAtMs: number) =>
            at(renewAt(issuedAtMs), () => {
                const startedMs = now();
                // The load loop may not have seen the end yet; a renewal after it belongs to no phase.
                if (startedMs >= totalMs) return;
                const index = Math.max(0, phaseIndexAt(schedule, startedMs));
                const signer = caOf(steps[ambient ? Math.max(0, phaseIndexAt(schedule, startedMs - ambient.caPropagationMs)) : index], workloadIndex);
                track(
                    issueWorkloadCertificate(workload.spiffeId, signer.intermediateCertPem, signer.intermediateKeyPem, validityHours).then((certificate) => {
                        if (!running) return;
                        workload.update(ambient ? { certificate, bundle: givenRoots(signer, allRoots, ambient) } : { certificate });
                        tallies[index].renewals++;
                        total.renewals++;
                        options.onRenewal?.({ scenario, workload: workload.spiffeId, phase: steps[index].certificates.phase, startedMs });
                        renew(workload, workloadIndex, startedMs);
                    }),
                );
            });
        workloads.forEach((workload, i) => renew(workload, i, -ages[i]));

        // Config pushes: each workload sees a phase's trust bundle after its own delay. ztunnel takes none.
        steps.forEach((step, k) => {
            if (k === 0 || ambient) return;
            workloads.forEach((workload, i) => at(schedule[k].startMs + delays[i], () => workload.update({ bundle: caOf(step, i).trustedRootPems })));
        });

        // Load: `rate` requests per second over every ordered pair of workloads in turn (ambient: on different nodes; fleet: in different clusters).
        const apart = (i: number, j: number) => i !== j && (!ambient || ambient.nodeOf(i) !== ambient.nodeOf(j)) && (!fleet || fleet.clusterOf(i) !== fleet.clusterOf(j));
        const pairs = workloads.flatMap((from, i) => workloads.filter((_, j) => apart(i, j)).map((to) => [from, to] as const));
        let inFlight = 0;
        let pairIndex = 0;
        let owed = 0;
        let lastTick = 0;
        let lastProgress = 0;
        const progressMs = options.progressMs ?? 1000;
        for (;;) {
            await sleep(TICK_MS);
            const tMs = now();
            if (tMs >= totalMs) break;
            owed += ((tMs - lastTick) / 1000) * options.rate;
            lastTick = tMs;
            const index = phaseIndexAt(schedule, tMs);
            for (; owed >= 1; owed--) {
                if (pairs.length === 0) break;
                if (inFlight >= maxInFlight) {
                    tallies[index].skipped++;
                    total.skipped++;
                    continue;
                }
                const [from, to] = pairs[pairIndex++ % pairs.length];
                inFlight++;
                track(
                    from.request(to, timeoutMs).then((outcome) => {
                        inFlight--;
                        // Counted in the phase the handshake finished in: that is when trust was decided.
                        const done = phaseIndexAt(schedule, now());
                        if (outcome.ok) {
                            tallies[done].success(outcome.latencyMs);
                            total.success(outcome.latencyMs);
                        } else {
                            const reason = failureReason(outcome.error, outcome.serverError);
                            tallies[done].failure(reason);
                            total.failure(reason);
                        }
                    }),
                );
            }
            if (options.onProgress && tMs - lastProgress >= progressMs) {
                lastProgress = tMs;
                options.onProgress({ scenario, phase: steps[index].certificates.phase, elapsedMs: tMs, totalMs, handshakes: total.figures().handshakes, failures: total.failures });
            }
        }
    } finally {
        // Nothing starts from here on: timers are cleared and renewals in progress are dropped.
        // Requests already started finish (each is bounded by its timeout) and are still counted.
        running = false;
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        await Promise.allSettled([...pending]);
        await Promise.all(workloads.map((workload) => workload.close()));
    }
    return { scenario, phases: tallies.map((t) => t.figures()), total: total.figures(), overlapProblems: problems };
}

/** Checks the load and phase options on their own (no certificates needed); throws every problem at once. */
export function checkLoadOptions(options: Pick<DrillOptions, "workloads" | "rate" | "phaseSeconds" | "propagationMs" | "ttlSeconds">): void {
    const problems: string[] = [];
    if (options.propagationMs !== undefined && !(options.propagationMs >= 0 && options.propagationMs <= 60000))
        problems.push(`--propagation-ms must be between 0 and 60000, got ${options.propagationMs}`);
    if (options.ttlSeconds !== undefined && !(options.ttlSeconds > 0 && options.ttlSeconds <= 3600))
        problems.push(`--ttl-seconds must be more than 0 and at most 3600, got ${options.ttlSeconds}`);
    if (!Number.isInteger(options.workloads) || options.workloads < 2 || options.workloads > 64)
        problems.push(`--workloads must be an integer from 2 to 64, got ${options.workloads}`);
    if (!(options.rate >= 1 && options.rate <= 5000)) problems.push(`--rate must be between 1 and 5000 requests per second, got ${options.rate}`);
    if (!(options.phaseSeconds > 0 && options.phaseSeconds <= 600)) problems.push(`--phase-seconds must be between 0 and 600, got ${options.phaseSeconds}`);
    if (problems.length > 0) throw new Error(problems.join("\n"));
}

/** Checks the options and the phase length the rotation needs; returns the settings in force. */
export function drillSettings(certs: DrillCertificates, options: DrillOptions): DrillSettings {
    checkLoadOptions(options);
    const { phaseMs, compressedTtlMs, maxPropagationMs, renewAfterMs } = resolvedTimings(certs, options);
    const slackMs = 250;
    const minimumMs = minimumSafePhaseMs(renewAfterMs, maxPropagationMs, slackMs);
    if (phaseMs < minimumMs) {
        throw new Error(
            `--phase-seconds ${options.phaseSeconds} is shorter than the ${(minimumMs / 1000).toFixed(2)} s a phase needs (every workload must renew once, ${(renewAfterMs / 1000).toFixed(2)} s, ` +
                `and see the new bundle, up to ${(maxPropagationMs / 1000).toFixed(2)} s, before the next phase): raise --phase-seconds or lower --ttl-seconds / --propagation-ms.`,
        );
    }
    const hours = certs.workloadCertTtlMs / 3600000;
    return {
        workloads: options.workloads,
        rate: options.rate,
        phaseSeconds: options.phaseSeconds,
        workloadCertTtl: Number.isInteger(hours) ? `${hours}h` : `${certs.workloadCertTtlMs / 1000}s`,
        compressedTtlSeconds: round3(compressedTtlMs / 1000),
        clockCompression: Math.round(compressionFactor(certs.workloadCertTtlMs, compressedTtlMs)),
        gracePeriodRatio: certs.gracePeriodRatio,
        renewAfterSeconds: round3(renewAfterMs / 1000),
        maxPropagationMs: Math.round(maxPropagationMs),
        phaseMarginMs: Math.round(phaseMs - Math.max(renewAfterMs, maxPropagationMs)),
        trustDomain: certs.phases[0].trustDomain,
        certificateSource: certs.description,
    };
}

/** The whole drill: the phased rotation, then the naive swap, with the same load and certificates. */
export async function runDrill(certs: DrillCertificates, options: DrillOptions): Promise<DrillResult> {
    const settings = drillSettings(certs, options);
    const phaseMs = options.phaseSeconds * 1000;
    const phased = await runScenario("phased", phasedSteps(certs, phaseMs), certs, options);
    const naive = await runScenario("naive", naiveSteps(certs, phaseMs), certs, options);
    return { settings, phased, naive };
}
