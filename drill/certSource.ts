/**
 * Where the drill's CA material comes from. The drill only needs, per phase, the trusted roots,
 * the intermediate istiod signs with (certificate and key) and the trust domain; these come from
 * the offline plan of the stack, read from the `cacerts` Secret exactly as istiod would read it.
 */
import { X509Certificate } from "crypto";
import * as path from "path";
import { EmulatedState, PROJECT_DIR, PlanResult, PlannedResource, findStackConfigFile, listStacks, loadStackConfig, planStack } from "../plan/engine";
import { CONFIG_NAMESPACE, StackModel, parseStackConfig } from "../src/config";
import { rawConfigFromValues } from "../src/rawConfig";
import { parseDuration } from "../src/duration";
import { ROTATION_PHASES, RotationTiming, rotationTiming } from "../src/rotation";
import { commonName, sha256Fingerprint, splitPemCertificates } from "../src/pki";
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
    /** The rotation guard's timing for the stack (mesh time, ms): its waits, ztunnel's included in ambient mode. */
    timing: RotationTiming;
    /** The stack's data plane. */
    dataPlane: "sidecar" | "ambient";
}

/** Supplies the drill's certificates. */
export interface CertificateSource {
    load(): Promise<DrillCertificates>;
}

/** The Kubernetes provider of a fleet's cluster, as the program names it (program/stack.ts). */
export const clusterProvider = (cluster: string) => `kubernetes-${cluster}`;

function cacertsSecret(plan: PlanResult, cluster?: string): PlannedResource {
    const secret = plan.resources.find(
        (r) =>
            r.type === "kubernetes:core/v1:Secret" &&
            (cluster === undefined || r.provider === clusterProvider(cluster)) &&
            typeof (r.inputs.stringData as Record<string, unknown> | undefined)?.["ca-cert.pem"] === "string",
    );
    if (!secret) throw new Error(`stack ${plan.stack} has no plug-in CA Secret (cacerts)${cluster ? ` in cluster ${cluster}` : ""}; the drill needs a plug-in CA stack`);
    return secret;
}

/** The phase's CA material from a plan made with `revealSecrets: true`; in a fleet's plan, that of one cluster. */
export function phaseFromPlan(plan: PlanResult, phase: string, cluster?: string): PhaseCertificates {
    const data = cacertsSecret(plan, cluster).inputs.stringData as Record<string, string>;
    const keyPem = data["ca-key.pem"];
    if (!keyPem || !keyPem.includes("PRIVATE KEY-----")) throw new Error(`stack ${plan.stack}: ca-key.pem is redacted; plan it with revealSecrets: true`);
    const trustedRootPems = splitPemCertificates(data["root-cert.pem"] ?? "");
    if (trustedRootPems.length === 0) throw new Error(`stack ${plan.stack}: root-cert.pem holds no certificate`);
    const trustDomain = plan.outputs.trustDomain;
    if (typeof trustDomain !== "string") throw new Error(`stack ${plan.stack}: the plan has no trustDomain output`);
    return { phase, trustDomain, trustedRootPems, intermediateCertPem: data["ca-cert.pem"], intermediateKeyPem: keyPem };
}

/** Workload certificate TTL and grace ratio as the plan hands them to the proxies (and to ztunnel, which must request the same TTL). */
export function workloadSettingsFromPlan(plan: PlanResult): { workloadCertTtlMs: number; gracePeriodRatio: number } {
    const release = (chart: string) => plan.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === chart);
    const metadata = (release("istiod")?.inputs.values as any)?.meshConfig?.defaultConfig?.proxyMetadata ?? {};
    const workloadCertTtlMs = parseDuration(String(metadata.SECRET_TTL));
    const gracePeriodRatio = Number(metadata.SECRET_GRACE_PERIOD_RATIO);
    if (!workloadCertTtlMs || !(gracePeriodRatio > 0 && gracePeriodRatio < 1)) {
        throw new Error(`stack ${plan.stack}: no SECRET_TTL / SECRET_GRACE_PERIOD_RATIO in the istiod values`);
    }
    const ztunnel = release("ztunnel");
    const ztunnelTtl = (ztunnel?.inputs.values as any)?.env?.SECRET_TTL;
    if (ztunnel && parseDuration(String(ztunnelTtl)) !== workloadCertTtlMs) {
        throw new Error(`stack ${plan.stack}: ztunnel requests SECRET_TTL ${String(ztunnelTtl)}, not the proxies' ${String(metadata.SECRET_TTL)}`);
    }
    return { workloadCertTtlMs, gracePeriodRatio };
}

/** The validated model of a stack config file's values. */
function stackModelOf(config: { values: Record<string, string>; secretKeys: string[] }): StackModel {
    return parseStackConfig(rawConfigFromValues(config.values, (key) => config.secretKeys.includes(key)));
}

/** The guard's timing and the data plane of a stack. */
function guardSettings(model: StackModel): { timing: RotationTiming; dataPlane: "sidecar" | "ambient" } {
    return { timing: rotationTiming(model), dataPlane: model.dataPlane };
}

/** The trusted root that issued `certPem`, or undefined. */
export function issuingRoot(certPem: string, rootPems: string[]): string | undefined {
    const cert = new X509Certificate(certPem);
    return rootPems.find((root) => {
        const issuer = new X509Certificate(root);
        return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
    });
}

/** A root as the report names it: its subject CN and the start of its SHA-256 fingerprint. */
export function rootLabel(rootPem: string): string {
    return `"${commonName(rootPem) || "root"}" (sha256 ${sha256Fingerprint(rootPem).slice(0, 11)})`;
}

/** Each phase's trust by root, for `checkRotationOverlap`. */
export function phaseTrust(phase: PhaseCertificates, allRoots: string[]): PhaseTrust {
    const signing = issuingRoot(phase.intermediateCertPem, allRoots);
    return {
        name: phase.phase,
        trustedRoots: phase.trustedRootPems.map(rootLabel),
        signingRoot: signing ? rootLabel(signing) : "(unknown root)",
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
            ...guardSettings(stackModelOf(config)),
            phases: [oldCa, { ...oldCa, phase: "trust-both", trustedRootPems: both }, { ...newCa, phase: "sign-new", trustedRootPems: both }, newCa],
        };
    }
}

/** The rotation's example stack configs, in file name order (`Pulumi.rotation-<n>-<phase>.yaml`). */
export const ROTATION_STACKS_DIR = path.join(PROJECT_DIR, "stacks", "rotation");
/** The same rotation in ambient mode (`Pulumi.rotation-ambient-<n>-<phase>.yaml`). */
export const AMBIENT_ROTATION_STACKS_DIR = path.join(PROJECT_DIR, "stacks", "rotation-ambient");

/** The same rotation on a two-cluster mesh (`Pulumi.rotation-fleet-<n>-<phase>.yaml`). */
export const FLEET_ROTATION_STACKS_DIR = path.join(PROJECT_DIR, "stacks", "rotation-fleet");

/** The first plan of each rotation phase of a sequence of stack configs, with what the drill reports of it. */
export interface PlannedRotation {
    /** One plan per phase, in ROTATION_PHASES order. */
    plans: PlanResult[];
    /** The stacks planned, in order. */
    planned: string[];
    /** The first stack's model. */
    model: StackModel;
}

/**
 * Plans the stack configs in `dir` one after the other as updates of one stack. Each plan sees the
 * previous one's outputs (the rotation guard reads its state from them) at a time late enough for
 * the guard, and keeps the emulated resources whose inputs did not change, so a root keeps its key
 * from phase to phase. Planning stops once it has steady, trust-both, sign-new and retire-old (the
 * first of each).
 */
export async function planRotation(dir: string): Promise<PlannedRotation> {
    const stacks = listStacks()
        .filter((s) => path.dirname(s.file) === dir)
        .sort((a, b) => a.file.localeCompare(b.file, "en", { numeric: true }));
    if (stacks.length === 0) throw new Error(`no rotation stack configs in ${path.relative(PROJECT_DIR, dir)}`);
    const emulatedState: EmulatedState = new Map();
    const byPhase = new Map<string, PlanResult>();
    let previous: PlanResult | undefined;
    // Each update runs once the guard allows any step: after the old chain's longest certificate
    // and the propagation delay. The updates are placed in the past, ending now, so that the
    // certificates each one issued (at its own time) are valid while the drill runs.
    const configs = stacks.map(({ stack, file }) => {
        const config = loadStackConfig(file);
        return { stack, config, model: stackModelOf(config) };
    });
    const gaps = configs.map(({ model }) => {
        const { timing } = guardSettings(model);
        return Math.max(timing.oldChainLifetimeMs, timing.peerRootRefreshMs ?? 0) + timing.propagationDelayMs + 60000;
    });
    let now = Date.now() - gaps.reduce((sum, gap) => sum + gap, 0);
    const planned: string[] = [];
    for (const [index, { stack, config }] of configs.entries()) {
        if (ROTATION_PHASES.every((phase) => byPhase.has(phase))) break;
        planned.push(stack);
        const phase = config.values[`${CONFIG_NAMESPACE}:rotationPhase`];
        // One stack whose config changes, as a real rotation is: its state names that stack.
        const plan = await planStack({ stack: path.basename(dir), config, previousOutputs: previous?.outputs, now: new Date(now), revealSecrets: true, emulatedState });
        if (!byPhase.has(phase)) byPhase.set(phase, plan);
        now += gaps[index];
        previous = plan;
    }
    const missing = ROTATION_PHASES.filter((phase) => !byPhase.has(phase));
    if (missing.length > 0) throw new Error(`the rotation stack configs in ${path.relative(PROJECT_DIR, dir)} have no ${missing.join(", ")} phase`);
    return { plans: ROTATION_PHASES.map((phase) => byPhase.get(phase)!), planned, model: configs[0].model };
}

/** The real rotation sequence: the stack configs under `stacks/rotation/` (or `dir`), planned offline by `planRotation`. */
export class RotationPlanSource implements CertificateSource {
    constructor(private readonly dir = ROTATION_STACKS_DIR) {}

    async load(): Promise<DrillCertificates> {
        const { plans, planned, model } = await planRotation(this.dir);
        return {
            description: `offline plans of ${planned.join(" -> ")} (${path.relative(PROJECT_DIR, this.dir)}/), each fed the previous outputs`,
            ...workloadSettingsFromPlan(plans[0]),
            ...guardSettings(model),
            phases: ROTATION_PHASES.map((phase, k) => phaseFromPlan(plans[k], phase)),
        };
    }
}

/** A fleet's rotation: every cluster's CA material in each phase. */
export interface FleetCertificates extends DrillCertificates {
    /** The clusters, in the stack's order. */
    clusters: string[];
    /** Per phase (ROTATION_PHASES order), each cluster's `cacerts`, in `clusters` order. `phases` is the first cluster's. */
    clusterPhases: PhaseCertificates[][];
}

/** The clusters of a stack's `istio-ca:clusters`. */
function clusterNames(model: StackModel): string[] {
    if (!model.fleet) throw new Error(`the fleet drill needs a stack with ${CONFIG_NAMESPACE}:clusters`);
    return model.fleet.clusters.map((cluster) => cluster.name);
}

/** A fleet's rotation sequence (`stacks/rotation-fleet/`), planned as `RotationPlanSource` does, read from each cluster's `cacerts`. */
export class FleetRotationPlanSource {
    constructor(private readonly dir = FLEET_ROTATION_STACKS_DIR) {}

    async load(): Promise<FleetCertificates> {
        const { plans, planned, model } = await planRotation(this.dir);
        const clusters = clusterNames(model);
        const clusterPhases = ROTATION_PHASES.map((phase, k) => clusters.map((cluster) => phaseFromPlan(plans[k], phase, cluster)));
        return {
            description: `offline plans of ${planned.join(" -> ")} (${path.relative(PROJECT_DIR, this.dir)}/), each fed the previous outputs; ${clusters.length} clusters, each with its own cacerts`,
            ...workloadSettingsFromPlan(plans[0]),
            ...guardSettings(model),
            phases: clusterPhases.map((perCluster) => perCluster[0]),
            clusters,
            clusterPhases,
        };
    }
}
