/**
 * Pure timing of the drill: the phase schedule, workload certificate renewal on a compressed
 * clock, per-workload config propagation delays, and the overlap rule a rotation must keep.
 */
import { ZTUNNEL_RENEWAL_FRACTION } from "../src/ambient";

export interface PhaseWindow {
    name: string;
    /** Drill time (ms since the drill started) the phase begins and ends. */
    startMs: number;
    endMs: number;
}

/** Back-to-back phases of the given lengths (ms), starting at 0. */
export function buildSchedule(phases: { name: string; durationMs: number }[]): PhaseWindow[] {
    let startMs = 0;
    return phases.map(({ name, durationMs }) => {
        if (!(durationMs > 0)) throw new Error(`phase ${name} must last longer than 0 ms, got ${durationMs}`);
        const window = { name, startMs, endMs: startMs + durationMs };
        startMs += durationMs;
        return window;
    });
}

/** Index of the phase in force at drill time `tMs` (the last one after the end, -1 before the start). */
export function phaseIndexAt(schedule: PhaseWindow[], tMs: number): number {
    if (schedule.length === 0 || tMs < schedule[0].startMs) return -1;
    for (let i = 0; i < schedule.length; i++) if (tMs < schedule[i].endMs) return i;
    return schedule.length - 1;
}

/**
 * Maps mesh time to drill time: `workloadTtlMs` of configured certificate lifetime takes
 * `compressedTtlMs` of real time.
 */
export function compressionFactor(workloadTtlMs: number, compressedTtlMs: number): number {
    if (!(workloadTtlMs > 0 && compressedTtlMs > 0)) throw new Error("certificate lifetimes must be positive");
    return workloadTtlMs / compressedTtlMs;
}

/**
 * When istio-agent renews a certificate: once (1 - gracePeriodRatio) of its life is used,
 * i.e. `gracePeriodRatio` of the TTL before expiry.
 */
export function renewalTime(issuedAtMs: number, ttlMs: number, gracePeriodRatio: number): number {
    if (!(gracePeriodRatio > 0 && gracePeriodRatio < 1)) throw new Error(`gracePeriodRatio must be strictly between 0 and 1, got ${gracePeriodRatio}`);
    if (!(ttlMs > 0)) throw new Error(`TTL must be positive, got ${ttlMs}`);
    return issuedAtMs + ttlMs * (1 - gracePeriodRatio);
}

/**
 * When ztunnel renews a certificate: at half its life, `not_before + (not_after - not_before) / 2`,
 * with no jitter and no setting (istio/ztunnel 1.30.3 src/tls/certificate.rs:375-381).
 */
export function ztunnelRefreshAt(issuedAtMs: number, ttlMs: number): number {
    if (!(ttlMs > 0)) throw new Error(`TTL must be positive, got ${ttlMs}`);
    return issuedAtMs + ttlMs * ZTUNNEL_RENEWAL_FRACTION;
}

/**
 * Ages of the workloads' first certificates, spread evenly over one renewal interval, as in
 * a mesh whose pods started at different times (so renewals do not all fall together).
 */
export function initialCertificateAges(workloads: number, renewAfterMs: number): number[] {
    return Array.from({ length: workloads }, (_, i) => (renewAfterMs * i) / workloads);
}

/**
 * How long each workload takes to see a config change (new trust bundle), spread evenly from
 * 0 to `maxMs`: pushes reach proxies one after the other, never all at the same instant.
 */
export function propagationDelays(workloads: number, maxMs: number): number[] {
    if (workloads <= 1) return Array.from({ length: workloads }, () => 0);
    return Array.from({ length: workloads }, (_, i) => (maxMs * i) / (workloads - 1));
}

/**
 * Shortest phase that lets a rotation keep every handshake: every workload must have seen
 * the phase's bundle (the longest propagation delay) and every workload certificate from
 * the previous signer must have been renewed (one renewal interval) before the next phase.
 */
export function minimumSafePhaseMs(renewAfterMs: number, maxPropagationMs: number, slackMs: number): number {
    return Math.max(renewAfterMs, maxPropagationMs) + slackMs;
}

/** What a phase trusts and signs with, by root name or fingerprint. */
export interface PhaseTrust {
    name: string;
    trustedRoots: string[];
    signingRoot: string;
}

/**
 * The overlap rule a rotation needs for zero failed handshakes while a change propagates:
 * within a phase its signing root is trusted, and across a step both the old and the new
 * signing root are trusted by both the old and the new bundle. Returns the violations.
 */
export function checkRotationOverlap(phases: PhaseTrust[]): string[] {
    const problems: string[] = [];
    phases.forEach((phase, i) => {
        if (!phase.trustedRoots.includes(phase.signingRoot)) problems.push(`${phase.name}: signs with ${phase.signingRoot}, which its own trust bundle does not hold`);
        if (i === 0) return;
        const previous = phases[i - 1];
        if (!previous.trustedRoots.includes(phase.signingRoot)) {
            problems.push(`${previous.name} -> ${phase.name}: workloads still on the ${previous.name} bundle do not trust ${phase.signingRoot}, which signs in ${phase.name}`);
        }
        if (!phase.trustedRoots.includes(previous.signingRoot)) {
            problems.push(`${previous.name} -> ${phase.name}: the ${phase.name} bundle drops ${previous.signingRoot}, which signed certificates still in use`);
        }
    });
    return problems;
}

/** One step of a fleet's rotation: what each cluster trusts and signs with. */
export interface FleetStepTrust {
    name: string;
    clusters: { cluster: string; trustedRoots: string[]; signingRoot: string }[];
}

/**
 * The overlap rule across clusters: workloads of every cluster talk to every other, so each
 * cluster's bundle must hold every cluster's signing root, within a step and across it (the old
 * bundle the new signers, the new bundle the old signers). With one cluster it is
 * `checkRotationOverlap`. Returns the violations, each once.
 */
export function checkFleetOverlap(steps: FleetStepTrust[]): string[] {
    const problems = new Set<string>();
    const who = (signer: string, truster: string) => (signer === truster ? `${truster}` : `${truster} (for ${signer}'s workloads)`);
    steps.forEach((step, k) => {
        const previous = k > 0 ? steps[k - 1] : undefined;
        for (const signer of step.clusters) {
            for (const truster of step.clusters) {
                if (!truster.trustedRoots.includes(signer.signingRoot))
                    problems.add(`${step.name}: ${signer.cluster} signs with ${signer.signingRoot}, which the bundle of ${who(signer.cluster, truster.cluster)} does not hold`);
                if (!previous) continue;
                const trusterBefore = previous.clusters.find((c) => c.cluster === truster.cluster);
                const signerBefore = previous.clusters.find((c) => c.cluster === signer.cluster);
                if (!trusterBefore || !signerBefore) continue;
                if (!trusterBefore.trustedRoots.includes(signer.signingRoot))
                    problems.add(
                        `${previous.name} -> ${step.name}: workloads of ${truster.cluster} still on the ${previous.name} bundle do not trust ${signer.signingRoot}, which signs in ${signer.cluster} in ${step.name}`,
                    );
                if (!truster.trustedRoots.includes(signerBefore.signingRoot))
                    problems.add(
                        `${previous.name} -> ${step.name}: the ${step.name} bundle of ${truster.cluster} drops ${signerBefore.signingRoot}, which signed ${signer.cluster}'s certificates still in use`,
                    );
            }
        }
    });
    return [...problems];
}

/**
 * The rule ztunnel adds to the overlap rule: it takes roots only with a renewed certificate, so a
 * root may start signing only once it has been in what istiod hands out for a whole renewal
 * interval (`refreshAfterMs`), every identity having renewed since. istiod's own delay counts on
 * both sides (it serves the bundle and the new signer equally late), so it drops out. Returns the
 * violations, one per step whose signing root was not held that long.
 */
export function checkZtunnelRefresh(phases: (PhaseTrust & { durationMs: number })[], refreshAfterMs: number): string[] {
    const problems: string[] = [];
    let startMs = 0;
    const starts = phases.map((phase) => {
        const at = startMs;
        startMs += phase.durationMs;
        return at;
    });
    phases.forEach((phase, k) => {
        if (k === 0 || phase.signingRoot === phases[k - 1].signingRoot) return;
        let j = k;
        while (j > 0 && phases[j - 1].trustedRoots.includes(phase.signingRoot)) j--;
        // Not handed out before it signs: the overlap rule already names it.
        if (j === k) return;
        const heldMs = starts[k] - starts[j];
        if (heldMs < refreshAfterMs) {
            problems.push(
                `${phases[k - 1].name} -> ${phase.name}: ${phase.signingRoot} signs ${Math.round(heldMs)} ms after istiod first hands it out, but ztunnel identities hold it only once renewed, up to ${Math.round(refreshAfterMs)} ms later (half a certificate's life)`,
            );
        }
    });
    return problems;
}
