/**
 * Where the drill's CA material comes from. The drill only needs, per phase, the trusted roots,
 * the intermediate istiod signs with (certificate and key) and the trust domain; these come from
 * the offline plan of the stack, read from the `cacerts` Secret exactly as istiod would read it.
 */
import { X509Certificate } from "crypto";
import { PlanResult, PlannedResource, findStackConfigFile, loadStackConfig, planStack } from "../plan/engine";
import { parseDuration } from "../src/duration";
import { sha256Fingerprint, splitPemCertificates } from "../src/pki";
import { PhaseTrust } from "./schedule";

/** CA material in force during one rotation phase. */
export interface PhaseCertificates {
    phase: string;
    trustDomain: string;
    /** Roots in the trust bundle pushed to workloads (`root-cert.pem`), in order. */
    trustedRootPems: string[];
    /** The intermediate istiod signs workload certificates with (`ca-cert.pem`) and its key. */
    intermediateCertPem: string;
    intermediateKeyPem: string;
}

export interface DrillCertificates {
    /** Where the material came from, for the report. */
    description: string;
    /** Workload certificate TTL (ms) and renewal grace ratio of the stack (proxy `SECRET_TTL`, `SECRET_GRACE_PERIOD_RATIO`). */
    workloadCertTtlMs: number;
    gracePeriodRatio: number;
    /** The rotation, in order: steady, trust-both, sign-new, retire-old. */
    phases: PhaseCertificates[];
}

/** Supplies the drill's certificates. */
export interface CertificateSource {
    load(): Promise<DrillCertificates>;
}

function cacertsSecret(plan: PlanResult): PlannedResource {
    const secret = plan.resources.find((r) => r.type === "kubernetes:core/v1:Secret" && typeof (r.inputs.stringData as Record<string, unknown> | undefined)?.["ca-cert.pem"] === "string");
    if (!secret) throw new Error(`stack ${plan.stack} has no plug-in CA Secret (cacerts); the drill needs a plug-in CA stack`);
    return secret;
}

/** The phase's CA material from a plan made with `revealSecrets: true`. */
export function phaseFromPlan(plan: PlanResult, phase: string): PhaseCertificates {
    const data = cacertsSecret(plan).inputs.stringData as Record<string, string>;
    const keyPem = data["ca-key.pem"];
    if (!keyPem || !keyPem.includes("PRIVATE KEY-----")) throw new Error(`stack ${plan.stack}: ca-key.pem is redacted; plan it with revealSecrets: true`);
    const trustedRootPems = splitPemCertificates(data["root-cert.pem"] ?? "");
    if (trustedRootPems.length === 0) throw new Error(`stack ${plan.stack}: root-cert.pem holds no certificate`);
    const trustDomain = plan.outputs.trustDomain;
    if (typeof trustDomain !== "string") throw new Error(`stack ${plan.stack}: the plan has no trustDomain output`);
    return { phase, trustDomain, trustedRootPems, intermediateCertPem: data["ca-cert.pem"], intermediateKeyPem: keyPem };
}

/** Workload certificate TTL and grace ratio as the plan hands them to the proxies. */
export function workloadSettingsFromPlan(plan: PlanResult): { workloadCertTtlMs: number; gracePeriodRatio: number } {
    const istiod = plan.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === "istiod");
    const metadata = (istiod?.inputs.values as any)?.meshConfig?.defaultConfig?.proxyMetadata ?? {};
    const workloadCertTtlMs = parseDuration(String(metadata.SECRET_TTL));
    const gracePeriodRatio = Number(metadata.SECRET_GRACE_PERIOD_RATIO);
    if (!workloadCertTtlMs || !(gracePeriodRatio > 0 && gracePeriodRatio < 1)) {
        throw new Error(`stack ${plan.stack}: no SECRET_TTL / SECRET_GRACE_PERIOD_RATIO in the istiod values`);
    }
    return { workloadCertTtlMs, gracePeriodRatio };
}

/** The trusted root that issued `certPem`, or undefined. */
export function issuingRoot(certPem: string, rootPems: string[]): string | undefined {
    const cert = new X509Certificate(certPem);
    return rootPems.find((root) => {
        const issuer = new X509Certificate(root);
        return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
    });
}

/** Each phase's trust by root fingerprint, for `checkRotationOverlap`. */
export function phaseTrust(phase: PhaseCertificates, allRoots: string[]): PhaseTrust {
    const signing = issuingRoot(phase.intermediateCertPem, allRoots);
    return {
        name: phase.phase,
        trustedRoots: phase.trustedRootPems.map(sha256Fingerprint),
        signingRoot: signing ? sha256Fingerprint(signing) : "(unknown root)",
    };
}

/** Every distinct root the phases mention. */
export function allRootPems(phases: PhaseCertificates[]): string[] {
    const byFingerprint = new Map<string, string>();
    for (const pem of phases.flatMap((p) => p.trustedRootPems)) byFingerprint.set(sha256Fingerprint(pem), pem);
    return [...byFingerprint.values()];
}

/**
 * Plug-in CA plans, sequenced here: two plans of a plug-in stack give an old root and
 * intermediate and a new root and intermediate; the four phases combine them the way the
 * rotation does (steady: old; trust-both: old + new roots, old signs; sign-new: new signs;
 * retire-old: new only).
 */
export class PluginPlanSource implements CertificateSource {
    constructor(private readonly stack = "plugin") {}

    async load(): Promise<DrillCertificates> {
        const config = loadStackConfig(findStackConfigFile(this.stack));
        const oldPlan = await planStack({ stack: this.stack, config, revealSecrets: true });
        const newPlan = await planStack({ stack: this.stack, config, revealSecrets: true });
        const oldCa = phaseFromPlan(oldPlan, "steady");
        const newCa = phaseFromPlan(newPlan, "retire-old");
        const both = [...oldCa.trustedRootPems, ...newCa.trustedRootPems];
        return {
            description: `two offline plans of stack "${this.stack}" (plug-in CA), phases sequenced by the drill`,
            ...workloadSettingsFromPlan(oldPlan),
            phases: [
                oldCa,
                { ...oldCa, phase: "trust-both", trustedRootPems: both },
                { ...newCa, phase: "sign-new", trustedRootPems: both },
                newCa,
            ],
        };
    }
}
