/**
 * The rotation state a deployment records (stack output `rotationState`) and the next one checks
 * against: its schema, and the reading of a previous deployment's outputs. A state that is present
 * but does not fit the schema, or names another stack, is refused rather than read as "nothing
 * recorded": the guard fails closed.
 */
import { CLUSTER_NAME_RE, MAX_CLUSTERS, MIN_CLUSTERS } from "../src/config/fleet";
import { z } from "zod";
import { KEY_ALGORITHMS } from "../src/pki";
import { shownValue } from "../src/config";
import type { RootParameters } from "../src/config";
export type { RootParameters } from "../src/config";
import { DEFAULT_ROOT_NAME, ROOT_NAME_RE, ROTATION_OVERRIDES, ROTATION_PHASES, RotationOverrideName, RotationPhase, rootCountFor, rotationPlan } from "../src/rotation";

export const ROTATION_STATE_VERSION = 2;

/** The stack a state belongs to. */
export interface StackIdentity {
    organization: string;
    project: string;
    stack: string;
}

/** What the Vault intermediate in use was made with, and the issuer names older ones left in Vault. */
export interface VaultIntermediateRecord {
    generation: number;
    signingRoot: string;
    issuerName: string;
    parameters: RootParameters;
    /** Issuers of earlier intermediates, kept in Vault (their names cannot be used again). */
    retainedIssuerNames: string[];
}

/**
 * The guard's timing in force (the longest-lived certificate the old chain can have signed, and
 * how long a change takes to reach every proxy), ms. A lower configured value takes effect only
 * once everything issued under the recorded one has expired: `loweredAt` is when the config first
 * went lower.
 */
export interface RecordedTiming {
    oldChainLifetimeMs: number;
    propagationDelayMs: number;
    /** Ambient only (ztunnel's renewal before a new root signs); absent with sidecars and in states recorded before ambient, read as 0. */
    peerRootRefreshMs?: number;
    loweredAt?: string;
}

/** The value of an own property of a record, never one inherited from Object.prototype ("constructor"). */
export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
    return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

/** What a deployment records for the next one to check against. Times are ISO 8601 UTC. */
export interface RotationState extends StackIdentity {
    version: typeof ROTATION_STATE_VERSION;
    /** The clusters of a fleet, in config order; undefined for a stack of one cluster. */
    clusters?: string[];
    /** When this state was recorded; the next deployment's clock must not be earlier. */
    recordedAt: string;
    caMode: string;
    phase: RotationPhase;
    roots: string[];
    trustedRoots: string[];
    /** null when the program does not know the signing root (istiod's own CA, an in-cluster root). */
    signingRoot: string | null;
    /** `ISTIO_MULTIROOT_MESH` and `PROXY_CONFIG_XDS_AGENT` were deployed. */
    multiRootEnabled: boolean;
    /** When each phase of the current rotation was first deployed; set only when the phase changes. */
    phaseStartedAt: Partial<Record<RotationPhase, string>>;
    /** For roots that signed earlier but no longer do: when they stopped signing. */
    signedUntil: Record<string, string>;
    /** For each trusted root: since when it has been in the bundle without a break (a root may sign only once the bundle holding it has reached every proxy). */
    trustedSince: Record<string, string>;
    /** The timing the guard used; undefined in a state of the previous release. */
    timing?: RecordedTiming;
    /** Where each root comes from: "generated", "in-cluster", or "existing sha256:<fingerprint>". */
    rootSources: Record<string, string>;
    /** What each generated (or in-cluster) root was made with. */
    rootParameters: Record<string, RootParameters>;
    /** The Vault intermediate (vault mode). */
    vaultIntermediate?: VaultIntermediateRecord;
    /** The last override used, kept for audit. */
    lastOverride?: { name: RotationOverrideName; reason: string; at: string; transition: string };
}

/** This stack's previous deployment, as far as its outputs tell. */
export type PreviousDeployment =
    | { kind: "none" }
    /** Deployed by a version that recorded no rotationState: steady on the default root. */
    | { kind: "legacy"; caMode: string }
    | { kind: "state"; state: RotationState }
    /** Present but malformed, or another stack's: the guard refuses. */
    | { kind: "unreadable"; problems: string[] };

const isoTime = z.iso.datetime({ message: "is not an ISO 8601 UTC time such as 2026-03-01T12:00:00.000Z" });
const rootName = z.string().regex(ROOT_NAME_RE, { message: "is not a root name (a lower-case DNS label)" });
/** Most roots a state names: the old and the new root of a rotation. */
export const STATE_ROOTS_MAX = 2;
const rootList = z.array(rootName).max(STATE_ROOTS_MAX, { message: `lists more than ${STATE_ROOTS_MAX} roots (a state holds at most the old and the new root)` });
/** A record keyed by root name, with no more keys than a state has roots. */
function rootRecord<T extends z.ZodType>(value: T) {
    return z.record(rootName, value).refine((record) => Object.keys(record).length <= STATE_ROOTS_MAX, {
        message: `names more than ${STATE_ROOTS_MAX} roots (a state holds at most the old and the new root)`,
    });
}
const phase = z.enum(ROTATION_PHASES);
const positiveInt = z.number().int().positive();

const rootParametersSchema = z
    .object({
        commonName: z.string().min(1),
        organization: z.string(),
        keyAlgorithm: z.enum(KEY_ALGORITHMS),
        validityHours: positiveInt,
        maxPathLength: z.number().int().min(0).nullable(),
    })
    .strict();

const overrideSchema = z.object({ name: z.enum(ROTATION_OVERRIDES), reason: z.string(), at: isoTime, transition: z.string() }).strict();

/** Fields shared by every version. */
const commonFields = {
    caMode: z.string().min(1),
    phase,
    roots: rootList,
    trustedRoots: rootList,
    signingRoot: rootName.nullable(),
    multiRootEnabled: z.boolean(),
    phaseStartedAt: z.partialRecord(phase, isoTime),
    signedUntil: rootRecord(isoTime),
    rootSources: rootRecord(
        z.string().regex(/^(generated|in-cluster|existing sha256:[0-9a-f]{64})$/, { message: 'is not "generated", "in-cluster" or "existing sha256:<fingerprint>"' }),
    ),
    lastOverride: overrideSchema.optional(),
};

const stateV2Schema = z
    .object({
        version: z.literal(ROTATION_STATE_VERSION),
        organization: z.string().min(1),
        project: z.string().min(1),
        stack: z.string().min(1),
        recordedAt: isoTime,
        ...commonFields,
        rootParameters: rootRecord(rootParametersSchema),
        trustedSince: rootRecord(isoTime),
        clusters: z
            .array(z.string().regex(CLUSTER_NAME_RE, { message: "is not a cluster name" }))
            .min(MIN_CLUSTERS)
            .max(MAX_CLUSTERS)
            .refine((names) => new Set(names).size === names.length, { message: "names a cluster twice" })
            .optional(),
        timing: z
            .object({
                oldChainLifetimeMs: z.number().int().nonnegative(),
                propagationDelayMs: z.number().int().nonnegative(),
                peerRootRefreshMs: z.number().int().positive().optional(),
                loweredAt: isoTime.optional(),
            })
            .strict(),
        vaultIntermediate: z
            .object({
                generation: positiveInt,
                signingRoot: rootName,
                issuerName: z.string().min(1),
                parameters: rootParametersSchema,
                retainedIssuerNames: z.array(z.string().min(1)),
            })
            .strict()
            .optional(),
    })
    .strict();

/** The state the previous release recorded (no version, identity or parameters). */
const stateV1Schema = z.object(commonFields).strict();

function pathText(path: readonly PropertyKey[]): string {
    return path.map((part) => (typeof part === "number" ? `[${part}]` : `.${String(part)}`)).join("");
}

/** Every time the state holds. */
function recordedTimes(
    state: Pick<RotationState, "phaseStartedAt" | "signedUntil" | "lastOverride"> & { recordedAt?: string; trustedSince?: Record<string, string>; timing?: RecordedTiming },
): number[] {
    const times = [
        ...Object.values(state.phaseStartedAt),
        ...Object.values(state.signedUntil),
        ...Object.values(state.trustedSince ?? {}),
        state.lastOverride?.at,
        state.timing?.loweredAt,
        state.recordedAt,
    ];
    return times.filter((t): t is string => typeof t === "string").map((t) => Date.parse(t));
}

/** The latest time a state records (ms), or undefined when it holds none. */
export function latestRecordedTime(state: RotationState): number | undefined {
    const times = recordedTimes(state);
    return times.length > 0 ? Math.max(...times) : undefined;
}

/** A state recorded while cert-manager and kubernetes modes did not rotate (roots []) reads as steady on the default root. */
export function adoptUnrotatedState(state: RotationState): RotationState {
    if (state.roots.length > 0 || state.phase !== "steady") return state;
    return {
        ...state,
        roots: [DEFAULT_ROOT_NAME],
        trustedRoots: [DEFAULT_ROOT_NAME],
        signingRoot: DEFAULT_ROOT_NAME,
        trustedSince: { [DEFAULT_ROOT_NAME]: own(state.trustedSince, DEFAULT_ROOT_NAME) ?? new Date(0).toISOString() },
    };
}

/** Problems of a state whose fields are well-formed but do not fit together. */
export function stateConsistencyProblems(state: RotationState): string[] {
    const problems: string[] = [];
    const at = (path: string, message: string) => problems.push(`rotationState${path} ${message}`);
    const { roots } = state;
    const inRoots = new Set(roots);
    if (inRoots.size !== roots.length) at(".roots", `lists a root twice: ${JSON.stringify(roots)}`);
    if (roots.length === 0) {
        if (state.phase !== "steady") at(".phase", `is ${state.phase} with no roots`);
        if (state.trustedRoots.length > 0 || state.signingRoot !== null) at(".trustedRoots", "lists roots while roots is empty");
    } else if (roots.length !== rootCountFor(state.phase)) {
        at(".roots", `lists ${roots.length} root(s), but phase ${state.phase} has ${rootCountFor(state.phase)}`);
    } else {
        const plan = rotationPlan({ phase: state.phase, roots });
        if (JSON.stringify(state.trustedRoots) !== JSON.stringify(plan.trustedRoots))
            at(".trustedRoots", `is ${JSON.stringify(state.trustedRoots)}, but phase ${state.phase} of ${JSON.stringify(roots)} trusts ${JSON.stringify(plan.trustedRoots)}`);
        if (state.signingRoot !== plan.signingRoot)
            at(".signingRoot", `is ${JSON.stringify(state.signingRoot)}, but phase ${state.phase} of ${JSON.stringify(roots)} signs with ${plan.signingRoot}`);
        // The old root stopped signing at sign-new; the guard counts retire-old's wait from that time.
        if ((state.phase === "sign-new" || state.phase === "retire-old") && own(state.signedUntil, roots[0]) === undefined) {
            at(
                `.signedUntil.${roots[0]}`,
                `is missing: in phase ${state.phase} the old root ${roots[0]} has stopped signing, and when it did decides how long its certificates live`,
            );
        }
    }
    for (const root of Object.keys(state.signedUntil)) {
        if (!inRoots.has(root)) at(`.signedUntil.${root}`, `names a root that is not in roots ${JSON.stringify(roots)}`);
        else if (root === state.signingRoot) at(`.signedUntil.${root}`, "names the root that signs now");
    }
    if (own(state.phaseStartedAt, state.phase) === undefined) at(`.phaseStartedAt.${state.phase}`, "is missing: the current phase's start is recorded when it is entered");
    const trusted = [...state.trustedRoots].sort().join(",");
    if (roots.length > 0 && Object.keys(state.trustedSince).sort().join(",") !== trusted)
        at(".trustedSince", `names ${JSON.stringify(Object.keys(state.trustedSince))}, not the trusted roots ${JSON.stringify(state.trustedRoots)}`);
    const order = ROTATION_PHASES.indexOf(state.phase);
    let previous: { phase: string; ms: number } | undefined;
    for (const p of ROTATION_PHASES) {
        const text = own(state.phaseStartedAt, p);
        if (text === undefined) continue;
        if (ROTATION_PHASES.indexOf(p) > order) at(`.phaseStartedAt.${p}`, `is set, but phase ${p} comes after the current phase ${state.phase}`);
        const ms = Date.parse(text);
        if (previous && ms < previous.ms) at(`.phaseStartedAt.${p}`, `(${text}) is earlier than phaseStartedAt.${previous.phase}`);
        previous = { phase: p, ms };
    }
    const known = new Set([...roots, ...(roots.length === 0 ? [DEFAULT_ROOT_NAME] : [])]);
    for (const root of Object.keys(state.rootSources)) if (!known.has(root)) at(`.rootSources.${root}`, `names a root that is not in roots ${JSON.stringify(roots)}`);
    for (const root of Object.keys(state.rootParameters)) if (!known.has(root)) at(`.rootParameters.${root}`, `names a root that is not in roots ${JSON.stringify(roots)}`);
    const recordedAt = Date.parse(state.recordedAt);
    const future = recordedTimes({ ...state, recordedAt: undefined }).find((ms) => ms > recordedAt);
    if (future !== undefined) at(".recordedAt", `(${state.recordedAt}) is earlier than a time the state records (${new Date(future).toISOString()})`);
    return problems;
}

/**
 * When each trusted root of a previous release's state entered the bundle: the new root at
 * trust-both, the old one long before (that release recorded nothing earlier).
 */
function v1TrustedSince(state: Pick<RotationState, "phase" | "roots" | "trustedRoots" | "phaseStartedAt">): Record<string, string> {
    const longAgo = new Date(0).toISOString();
    const newRootSince = own(state.phaseStartedAt, "trust-both") ?? longAgo;
    const roots = state.roots.length > 0 ? state.trustedRoots : [];
    return Object.fromEntries(roots.map((root) => [root, state.roots.length === 2 && root === state.roots[1] ? newRootSince : longAgo]));
}

const RESTORE_FIX =
    "restore the stack's last good rotationState (pulumi stack history; pulumi stack export --version <n>), or, if the rotation state is truly lost, adopt the mesh's actual phase with istio-ca:rotationOverride adopt-mid-rotation after removing the output. Never edit the output by hand.";

function unreadable(problems: string[]): PreviousDeployment {
    return { kind: "unreadable", problems: problems.map((p) => `${p}. Fix: ${RESTORE_FIX}`) };
}

export interface ReadContext {
    /** This stack; a state naming another is refused. */
    expected: StackIdentity;
    /**
     * True when the outputs were read from this stack itself. States of the previous release name no
     * stack, so they are accepted only from this stack.
     */
    fromSelf: boolean;
}

/** Interprets the previous outputs read through the StackReference ({} on a first deployment). */
export function readPreviousDeployment(outputs: unknown, context: ReadContext): PreviousDeployment {
    if (outputs === null || typeof outputs !== "object" || Array.isArray(outputs)) {
        return unreadable([`the previous deployment's outputs are ${shownValue(outputs)}, not a map of outputs`]);
    }
    const record = outputs as Record<string, unknown>;
    if (Object.keys(record).length === 0) return { kind: "none" };
    const raw = record.rotationState;
    if (raw === undefined) {
        if (typeof record.caMode === "string" && context.fromSelf) return { kind: "legacy", caMode: record.caMode };
        return unreadable([
            typeof record.caMode === "string"
                ? "the outputs have no rotationState, and they were not read from this stack (istio-ca:rotationStateStack), so they cannot be trusted as a deployment of this stack"
                : `the previous deployment has outputs (${Object.keys(record).slice(0, 5).join(", ")}) but no rotationState: they are not this program's`,
        ]);
    }
    const versioned = raw !== null && typeof raw === "object" && !Array.isArray(raw) && "version" in raw;
    const parsed = versioned ? stateV2Schema.safeParse(raw) : stateV1Schema.safeParse(raw);
    if (!parsed.success) {
        return unreadable(parsed.error.issues.slice(0, 10).map((issue) => `rotationState${pathText(issue.path)}: ${issue.message}`));
    }
    let state: RotationState;
    if (versioned) {
        state = parsed.data as RotationState;
        const { organization, project, stack } = context.expected;
        if (state.project !== project || state.stack !== stack || state.organization !== organization) {
            return unreadable([`rotationState belongs to ${state.organization}/${state.project}/${state.stack}, not to this stack ${organization}/${project}/${stack}`]);
        }
    } else {
        if (!context.fromSelf)
            return unreadable(["rotationState was recorded by an earlier release, which did not name its stack, and was not read from this stack (istio-ca:rotationStateStack)"]);
        const v1 = parsed.data as Omit<RotationState, "version" | "organization" | "project" | "stack" | "recordedAt" | "rootParameters" | "trustedSince" | "timing">;
        const times = recordedTimes({ ...v1 });
        state = {
            ...v1,
            version: ROTATION_STATE_VERSION,
            ...context.expected,
            recordedAt: new Date(times.length > 0 ? Math.max(...times) : 0).toISOString(),
            rootParameters: {},
            trustedSince: v1TrustedSince(v1),
        };
    }
    const problems = stateConsistencyProblems(adoptUnrotatedState(state));
    if (problems.length > 0) return unreadable(problems);
    return { kind: "state", state };
}
