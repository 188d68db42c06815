/**
 * Root CA rotation: which roots are trusted and which signs in each phase, which transitions
 * between deployments are legal, and the state a deployment records for the next one to check.
 *
 * A rotation from root A to root B is four phases, each one `pulumi up`:
 *
 *   steady [A]        trust A,    A signs
 *   trust-both [A,B]  trust A+B,  A signs   (B reaches every proxy before it signs anything)
 *   sign-new [A,B]    trust A+B,  B signs   (workloads renew onto B while A still verifies)
 *   retire-old [A,B]  trust B,    B signs   (only once no A-signed certificate can be alive)
 *   steady [B]        trust B,    B signs   (A dropped from config after `pulumi state unprotect`)
 *
 * In every legal transition, each root that signs before or after is trusted both before and
 * after, so proxies on either side of the change accept every live certificate; and a root
 * leaves the bundle only after the longest certificate it signed has expired. Everything here
 * is pure: strategies call these functions, `src/stack.ts` applies the verdict.
 */
import type { CaMode, StackModel } from "./config";
import type { IstiodCaValues } from "./istioValues";

export const ROTATION_PHASES = ["steady", "trust-both", "sign-new", "retire-old"] as const;
export type RotationPhase = (typeof ROTATION_PHASES)[number];

/** Named, explicit exceptions to the guard; each needs a reason and applies to one transition. */
export const ROTATION_OVERRIDES = ["sign-new-early", "retire-old-early", "change-ca-mode"] as const;
export type RotationOverrideName = (typeof ROTATION_OVERRIDES)[number];

/** Modes whose roots this program rotates (`roots`, `rotationPhase`); the others keep one root. */
export const ROTATING_CA_MODES: readonly CaMode[] = ["plugin", "cert-manager", "kubernetes", "vault"];

/** `rootSources` value of a root made inside the cluster (cert-manager `certManagerRoot: in-cluster`), which cannot rotate. */
export const IN_CLUSTER_ROOT_SOURCE = "in-cluster";

/** The single root used when `roots` is not set (also the root of stacks made before rotation existed). */
export const DEFAULT_ROOT_NAME = "primary";

/** Root names become resource names and certificate subjects: DNS-label style. */
export const ROOT_NAME_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * istiod and proxy settings that let a mesh take a new root bundle without restarts
 * (Istio's own cacert rotation test sets exactly these). Rotating strategies set them from
 * `steady` on: a proxy reads `PROXY_CONFIG_XDS_AGENT` only at start, so enabling it just before a
 * rotation would need every workload restarted.
 */
/** A fresh copy of the multi-root istiod and proxy settings, for a strategy's istiod values. */
export function multiRootValues(): { env: Record<string, string>; proxyMetadata: Record<string, string> } {
    return { env: { ...MULTI_ROOT_CA_VALUES.env }, proxyMetadata: { ...MULTI_ROOT_CA_VALUES.proxyMetadata } };
}

export const MULTI_ROOT_CA_VALUES: Readonly<Required<Pick<IstiodCaValues, "env" | "proxyMetadata">>> = {
    env: { ISTIO_MULTIROOT_MESH: "true" },
    proxyMetadata: { PROXY_CONFIG_XDS_AGENT: "true" },
};

/** The rotation part of the stack model. */
export interface RotationSettings {
    phase: RotationPhase;
    /** Root names, oldest first: one at `steady`, [old, new] in the other phases. */
    roots: string[];
}

/** What a phase means for the CA material. */
export interface RotationPlan {
    phase: RotationPhase;
    roots: string[];
    /** Roots in the trust bundle, in bundle order. */
    trustedRoots: string[];
    /** The root whose chain signs workload certificates. */
    signingRoot: string;
    /** Roots trusted besides the signing root (e.g. for `meshConfig.caCertificates`). */
    extraTrustedRoots: string[];
    /** The old and new root during a rotation; undefined at `steady`. */
    oldRoot?: string;
    newRoot?: string;
    /** True when the bundle holds more than one root in this phase. */
    multiRoot: boolean;
}

/** How many roots `roots` must list in a phase. */
export function rootCountFor(phase: RotationPhase): number {
    return phase === "steady" ? 1 : 2;
}

/** Trusted and signing roots of a phase. `settings` must be valid (see `rootCountFor`). */
export function rotationPlan(settings: RotationSettings): RotationPlan {
    const { phase, roots } = settings;
    if (roots.length !== rootCountFor(phase)) {
        throw new Error(`rotation phase ${phase} needs ${rootCountFor(phase)} root(s), got ${JSON.stringify(roots)}`);
    }
    const [oldRoot, newRoot] = roots;
    const [trustedRoots, signingRoot] = ((): [string[], string] => {
        switch (phase) {
            case "steady":
                return [[oldRoot], oldRoot];
            case "trust-both":
                return [[oldRoot, newRoot], oldRoot];
            case "sign-new":
                return [[oldRoot, newRoot], newRoot];
            case "retire-old":
                return [[newRoot], newRoot];
        }
    })();
    return {
        phase,
        roots: [...roots],
        trustedRoots,
        signingRoot,
        extraTrustedRoots: trustedRoots.filter((root) => root !== signingRoot),
        oldRoot: phase === "steady" ? undefined : oldRoot,
        newRoot: phase === "steady" ? undefined : newRoot,
        multiRoot: trustedRoots.length > 1,
    };
}

/** True when one bundle contains the other (Istio's multi-root rule for each new bundle). */
export function bundlesNested(previous: readonly string[], next: readonly string[]): boolean {
    const contains = (outer: readonly string[], inner: readonly string[]) => inner.every((root) => outer.includes(root));
    return contains(previous, next) || contains(next, previous);
}

export type TransitionKind =
    /** Same phase, same roots: a re-run. */
    | "unchanged"
    /** steady [A] -> trust-both [A,B]. */
    | "start"
    /** trust-both -> sign-new, sign-new -> retire-old. */
    | "advance"
    /** retire-old [A,B] -> steady [B]. */
    | "finish"
    /** trust-both [A,B] -> steady [A]: the rotation is called off. */
    | "abort"
    /** sign-new -> trust-both, retire-old -> sign-new. */
    | "rollback";

export type TransitionVerdict = { legal: true; kind: TransitionKind } | { legal: false; reason: string; fix: string };

/** The phases a deployment may move to from each phase (besides staying). */
export const NEXT_PHASES: Readonly<Record<RotationPhase, readonly RotationPhase[]>> = {
    steady: ["trust-both"],
    "trust-both": ["sign-new", "steady"],
    "sign-new": ["retire-old", "trust-both"],
    "retire-old": ["steady", "sign-new"],
};

function sameRoots(a: readonly string[], b: readonly string[]): boolean {
    return a.length === b.length && a.every((root, i) => root === b[i]);
}

function rootsText(roots: readonly string[]): string {
    return `[${roots.join(", ")}]`;
}

/**
 * Whether going from one deployed phase to another is a legal step, judged on phases and root
 * names only (timing and CA mode are checked by `guardRotation`).
 */
export function classifyTransition(from: RotationSettings, to: RotationSettings): TransitionVerdict {
    const illegal = (reason: string, fix: string): TransitionVerdict => ({ legal: false, reason, fix });
    const rootsFix = (roots: string[]) => `set istio-ca:roots to ${rootsText(roots)}.`;
    const phaseChange = `${from.phase} ${rootsText(from.roots)} -> ${to.phase} ${rootsText(to.roots)}`;

    if (from.phase === to.phase) {
        if (sameRoots(from.roots, to.roots)) return { legal: true, kind: "unchanged" };
        if (from.phase === "steady") {
            return illegal(
                `${phaseChange} replaces the root in one step: proxies still trusting only ${from.roots[0]} would reject certificates from ${to.roots[0]}, and the reverse`,
                `start a rotation instead: set istio-ca:roots to ${rootsText([from.roots[0], to.roots[0]])} and istio-ca:rotationPhase to trust-both.`,
            );
        }
        return illegal(`${phaseChange} changes the roots in the middle of a rotation`, `${rootsFix(from.roots)} Finish or abort this rotation before starting another.`);
    }

    const allowed = NEXT_PHASES[from.phase];
    if (!allowed.includes(to.phase)) {
        // steady after sign-new or retire-old is the end of the cycle, not its start.
        const fromIndex = ROTATION_PHASES.indexOf(from.phase);
        const toIndex = to.phase === "steady" && fromIndex >= 2 ? ROTATION_PHASES.length : ROTATION_PHASES.indexOf(to.phase);
        const what = toIndex > fromIndex ? `skips ${ROTATION_PHASES.slice(fromIndex + 1, toIndex).join(" and ")}` : "goes back more than one phase";
        return illegal(
            `${phaseChange} ${what}; from ${from.phase} the next phase is ${allowed.join(" (or, to step back, ")}${allowed.length > 1 ? ")" : ""}`,
            `set istio-ca:rotationPhase to ${allowed[0]} and run pulumi up; go through the phases one update at a time.`,
        );
    }

    switch (`${from.phase}>${to.phase}`) {
        case "steady>trust-both":
            if (to.roots[0] !== from.roots[0] || to.roots[1] === from.roots[0]) {
                return illegal(`${phaseChange}: the first root must be the one in use (${from.roots[0]}) and the second a new one`, rootsFix([from.roots[0], to.roots[1] === from.roots[0] ? to.roots[0] : to.roots[1]]));
            }
            return { legal: true, kind: "start" };
        case "trust-both>steady":
            if (!sameRoots(to.roots, [from.roots[0]])) {
                return illegal(`${phaseChange}: calling off a rotation keeps the old root ${from.roots[0]}`, rootsFix([from.roots[0]]));
            }
            return { legal: true, kind: "abort" };
        case "retire-old>steady":
            if (!sameRoots(to.roots, [from.roots[1]])) {
                return illegal(`${phaseChange}: finishing a rotation keeps only the new root ${from.roots[1]}`, rootsFix([from.roots[1]]));
            }
            return { legal: true, kind: "finish" };
        default:
            if (!sameRoots(from.roots, to.roots)) {
                return illegal(`${phaseChange} changes the roots in the middle of a rotation`, rootsFix(from.roots));
            }
            return { legal: true, kind: ROTATION_PHASES.indexOf(to.phase) > ROTATION_PHASES.indexOf(from.phase) ? "advance" : "rollback" };
    }
}

/** An override as configured: its name and the operator's reason. */
export interface RotationOverride {
    name: RotationOverrideName;
    reason: string;
}

/**
 * What a deployment records (stack output `rotationState`) for the next one to check against.
 * Times are ISO 8601 UTC.
 */
export interface RotationState {
    caMode: string;
    phase: RotationPhase;
    roots: string[];
    trustedRoots: string[];
    /** null when the program does not know the signing root (istiod's own CA). */
    signingRoot: string | null;
    /** `ISTIO_MULTIROOT_MESH` and `PROXY_CONFIG_XDS_AGENT` were deployed. */
    multiRootEnabled: boolean;
    /** When each phase of the current rotation was first deployed; set only when the phase changes. */
    phaseStartedAt: Partial<Record<RotationPhase, string>>;
    /** For roots that signed earlier but no longer do: when they stopped signing. */
    signedUntil: Record<string, string>;
    /** Where each root comes from: "generated", or "existing <SHA-256 fingerprint>". */
    rootSources: Record<string, string>;
    /** The last override used, kept for audit. */
    lastOverride?: { name: RotationOverrideName; reason: string; at: string; transition: string };
}

/** This stack's previous deployment, as far as its outputs tell. */
export type PreviousDeployment =
    | { kind: "none" }
    /** Deployed by a version that recorded no rotationState: steady on the default root. */
    | { kind: "legacy"; caMode: string }
    | { kind: "state"; state: RotationState }
    | { kind: "unreadable"; why: string };

/** Interprets the previous outputs read through the StackReference ({} on a first deployment). */
export function readPreviousDeployment(outputs: { rotationState?: unknown; caMode?: unknown }): PreviousDeployment {
    const raw = outputs.rotationState;
    if (raw === undefined || raw === null) {
        return typeof outputs.caMode === "string" ? { kind: "legacy", caMode: outputs.caMode } : { kind: "none" };
    }
    const state = raw as Partial<RotationState>;
    const isStringArray = (value: unknown) => Array.isArray(value) && value.every((item) => typeof item === "string");
    const isStringMap = (value: unknown) => value !== null && typeof value === "object" && !Array.isArray(value) && Object.values(value).every((item) => typeof item === "string");
    if (
        typeof state !== "object" ||
        typeof state.caMode !== "string" ||
        !ROTATION_PHASES.includes(state.phase as RotationPhase) ||
        !isStringArray(state.roots) ||
        !isStringArray(state.trustedRoots) ||
        !(state.signingRoot === null || typeof state.signingRoot === "string") ||
        typeof state.multiRootEnabled !== "boolean" ||
        !isStringMap(state.phaseStartedAt) ||
        !isStringMap(state.signedUntil) ||
        !isStringMap(state.rootSources)
    ) {
        return { kind: "unreadable", why: `the previous deployment's rotationState output is not in the expected form: ${JSON.stringify(raw).slice(0, 300)}` };
    }
    return { kind: "state", state: state as RotationState };
}

/** The state of a legacy deployment, as this version would have recorded it. */
function legacyState(caMode: string): RotationState {
    const rotating = (ROTATING_CA_MODES as readonly string[]).includes(caMode);
    return {
        caMode,
        phase: "steady",
        roots: rotating ? [DEFAULT_ROOT_NAME] : [],
        trustedRoots: rotating ? [DEFAULT_ROOT_NAME] : [],
        signingRoot: rotating ? DEFAULT_ROOT_NAME : null,
        multiRootEnabled: false,
        phaseStartedAt: {},
        signedUntil: {},
        rootSources: {},
    };
}

/** Lifetimes that decide how long the guard waits. */
export interface RotationTiming {
    /** Longest life of a certificate the old chain signed that can still be in use after it stops signing, ms. */
    oldChainLifetimeMs: number;
    /** How long a cacerts change takes to reach every proxy (secret volume sync, istiod reload, xDS push), ms. */
    propagationDelayMs: number;
}

/**
 * A state recorded while the mode did not rotate roots yet (cert-manager and kubernetes stacks
 * deployed before they joined `ROTATING_CA_MODES` record `roots: []`), read as steady on the
 * default root, the one those stacks used. `multiRootEnabled` stays as recorded (false), so a
 * rotation starts only after one update at steady has set the multi-root settings.
 */
export function adoptUnrotatedState(state: RotationState): RotationState {
    if (state.roots.length > 0 || state.phase !== "steady") return state;
    return { ...state, roots: [DEFAULT_ROOT_NAME], trustedRoots: [DEFAULT_ROOT_NAME], signingRoot: DEFAULT_ROOT_NAME };
}

/**
 * Timing for strategies like the plug-in CA, where the old intermediate leaves istiod's CA at
 * `sign-new` (istiod reloads `cacerts`): the longest-lived certificate the old chain can still
 * have signed is a workload certificate of `MAX_WORKLOAD_CERT_TTL`, issued just before the reload.
 */
export function workloadChainTiming(model: Pick<StackModel, "workloadCerts" | "rotation">): RotationTiming {
    return { oldChainLifetimeMs: model.workloadCerts.maxTtlMs, propagationDelayMs: model.rotation.propagationDelayMs };
}

/** istio-csr chart defaults this program keeps: its serving certificate and istiod's (`app.tls.certificateDuration`, `app.tls.istiodCertificateDuration`). */
export const ISTIO_CSR_CONTROL_PLANE_CERT_MS = 3600000;

/**
 * The guard's timing for each rotating mode. In each, the old chain stops signing at `sign-new`,
 * when the intermediate is re-issued from the new root:
 * - plugin: the program issues a new intermediate into `cacerts`; istiod reloads it.
 * - cert-manager `cacerts`: the `cacerts` Certificate's issuerRef moves to the new root's
 *   ClusterIssuer; cert-manager re-issues at once (its Secret's issuer annotations no longer match,
 *   trigger `IncorrectIssuer`), `pulumi up` waits for it to be Ready, and istiod reloads the files.
 * - kubernetes: the signer ClusterIssuer's intermediate is re-issued the same way; cert-manager
 *   signs every later CSR with it.
 * In these three the newest certificate the old chain can have signed is a workload certificate of
 * at most `MAX_WORKLOAD_CERT_TTL`; the old intermediate's own lifetime does not matter, since it
 * signs nothing after the re-issue.
 * - cert-manager or Vault with `istio-csr`: the same re-issue, but istio-csr also has the issuer sign
 *   its own serving certificate and istiod's, for the chart's default 1h; the wait covers the longer.
 * - Vault `cacerts`: istiod keeps signing from the old chain until cert-manager has re-issued
 *   `cacerts` from the re-signed Vault intermediate (the Certificate's CN names the signing root, so
 *   it re-issues at once) and istiod has reloaded it; that is given one more
 *   `rotationPropagationDelay`, so the last old-chain leaf may be issued that long after `sign-new`.
 * - Vault `istio-csr`: the role's `max_ttl` (`maxWorkloadCertTtl`) caps every leaf the old
 *   intermediate signed, with the istio-csr floor above.
 */
export function rotationTiming(model: Pick<StackModel, "caMode" | "certManager" | "workloadCerts" | "rotation">): RotationTiming {
    const timing = workloadChainTiming(model);
    const istioCsr = model.certManager?.delivery === "istio-csr";
    let oldChainLifetimeMs = timing.oldChainLifetimeMs;
    // istio-csr (cert-manager or Vault behind it) also signs its own and istiod's 1h certificates.
    if (istioCsr) oldChainLifetimeMs = Math.max(oldChainLifetimeMs, ISTIO_CSR_CONTROL_PLANE_CERT_MS);
    // Vault cacerts: istiod signs from the old chain until cert-manager has re-issued cacerts from the
    // re-signed Vault intermediate (a CN change, not an issuerRef change) and istiod has reloaded it.
    if (model.caMode === "vault" && !istioCsr) oldChainLifetimeMs += timing.propagationDelayMs;
    return { ...timing, oldChainLifetimeMs };
}

/** What the current config asks for. */
export interface DesiredRotation {
    caMode: CaMode;
    /** The mode's roots are rotated by this program (otherwise roots are empty and ignored). */
    rotating: boolean;
    settings: RotationSettings;
    /** Source of each root ("generated" or "existing <fingerprint>"), for rotating modes. */
    rootSources: Record<string, string>;
    /** Whether this deployment sets the multi-root settings. */
    multiRootEnabled: boolean;
    override?: RotationOverride;
}

export interface GuardInput {
    previous: PreviousDeployment;
    desired: DesiredRotation;
    timing: RotationTiming;
    now: Date;
}

export type GuardVerdict =
    | { allowed: true; kind: TransitionKind | "first-deployment" | "change-ca-mode"; state: RotationState }
    | { allowed: false; problems: string[] };

const PHASE_ORDER = (phase: RotationPhase) => ROTATION_PHASES.indexOf(phase);

function parseTime(text: string | undefined): number | undefined {
    if (text === undefined) return undefined;
    const ms = Date.parse(text);
    return Number.isFinite(ms) ? ms : undefined;
}

function hours(ms: number): string {
    const h = ms / 3600000;
    return `${Number.isInteger(h) ? h : h.toFixed(1)}h`;
}

function overrideFix(name: RotationOverrideName): string {
    return `wait until then and run pulumi up again; or, accepting that traffic may fail, run: pulumi config set istio-ca:rotationOverride ${name} && pulumi config set istio-ca:rotationOverrideReason "<why>"`;
}

/**
 * Decides whether this deployment may go ahead, given the previous one, and returns the state to
 * record. Refusals name what is wrong and how to proceed. Nothing here reads a clock: `now` is given.
 */
export function guardRotation(input: GuardInput): GuardVerdict {
    const { desired, timing, now } = input;
    const nowIso = now.toISOString();
    const nowMs = now.getTime();
    const plan = desired.rotating ? rotationPlan(desired.settings) : undefined;
    const problems: string[] = [];
    const needed: RotationOverrideName[] = [];
    const override = desired.override;

    const fresh = (): RotationState => ({
        caMode: desired.caMode,
        phase: desired.settings.phase,
        roots: plan ? plan.roots : [],
        trustedRoots: plan ? plan.trustedRoots : [],
        signingRoot: plan ? plan.signingRoot : null,
        multiRootEnabled: desired.multiRootEnabled,
        phaseStartedAt: { [desired.settings.phase]: nowIso },
        signedUntil: {},
        rootSources: { ...desired.rootSources },
    });
    const refuseStaleOverride = (what: string): GuardVerdict | undefined =>
        override
            ? {
                  allowed: false,
                  problems: [`istio-ca:rotationOverride is ${override.name}, but ${what} needs no override. Overrides are one-shot so that a forgotten one cannot waive a later check. Fix: pulumi config rm istio-ca:rotationOverride && pulumi config rm istio-ca:rotationOverrideReason`],
              }
            : undefined;

    const previous = input.previous;
    if (previous.kind === "unreadable") {
        return { allowed: false, problems: [`${previous.why}. Fix: restore the output from the stack's history (pulumi stack history), or set istio-ca:rotationStateStack to the stack that holds it.`] };
    }
    if (previous.kind === "none") {
        return refuseStaleOverride("a first deployment") ?? { allowed: true, kind: "first-deployment", state: fresh() };
    }
    const recorded = previous.kind === "legacy" ? legacyState(previous.caMode) : previous.state;
    const prev = plan && recorded.caMode === desired.caMode ? adoptUnrotatedState(recorded) : recorded;

    // Changing CA strategy replaces the root that signs workload certificates.
    if (prev.caMode !== desired.caMode) {
        const bothSteady = prev.phase === "steady" && desired.settings.phase === "steady";
        if (!bothSteady) {
            return {
                allowed: false,
                problems: [
                    `istio-ca:caMode changes from ${prev.caMode} to ${desired.caMode} while a rotation is in progress (previous phase ${prev.phase}, requested ${desired.settings.phase}). Fix: finish the rotation at steady with caMode ${prev.caMode} first.`,
                ],
            };
        }
        if (override?.name !== "change-ca-mode") {
            return {
                allowed: false,
                problems: [
                    `istio-ca:caMode changes from ${prev.caMode} to ${desired.caMode} on a live mesh. Switching CA strategy changes the root that signs workload certificates (and going to or from istiod's own CA needs an istiod restart), so certificates already issued would not be trusted by proxies that get the new root. ` +
                        `Fix: keep caMode ${prev.caMode}; or make the switch keep the root, e.g. from istiod to plugin, adopt istiod's root from the istio-ca-secret Secret as istio-ca:existingRootCert/existingRootKey, then run: pulumi config set istio-ca:rotationOverride change-ca-mode && pulumi config set istio-ca:rotationOverrideReason "<why>" (README: "Changing the CA strategy").`,
                ],
            };
        }
        const state = fresh();
        state.lastOverride = { name: override.name, reason: override.reason, at: nowIso, transition: `caMode ${prev.caMode} -> ${desired.caMode}` };
        return { allowed: true, kind: "change-ca-mode", state };
    }

    if (!plan) {
        // A mode whose root this program does not manage: nothing to rotate.
        const stale = refuseStaleOverride(`an update in caMode ${desired.caMode}`);
        if (stale) return stale;
        const swapped = Object.keys(desired.rootSources).find((root) => prev.rootSources[root] !== undefined && prev.rootSources[root] !== desired.rootSources[root]);
        if (swapped) {
            return {
                allowed: false,
                problems: [
                    `Rotation refused: root ${swapped} was ${prev.rootSources[swapped]} in the previous deployment and would now be ${desired.rootSources[swapped]}, a different root in one step; certificates already issued would not be trusted. Fix: keep the root's source (istio-ca:certManagerRoot, istio-ca:existingRootCert) as it was.`,
                ],
            };
        }
        return { allowed: true, kind: "unchanged", state: { ...fresh(), phaseStartedAt: prev.phaseStartedAt.steady ? { steady: prev.phaseStartedAt.steady } : { steady: nowIso }, lastOverride: prev.lastOverride } };
    }

    const from: RotationSettings = { phase: prev.phase, roots: prev.roots };
    const verdict = classifyTransition(from, desired.settings);
    if (!verdict.legal) return { allowed: false, problems: [`Rotation refused: ${verdict.reason}. Fix: ${verdict.fix}`] };
    const kind = verdict.kind;
    const transition = `${prev.phase} ${rootsText(prev.roots)} -> ${desired.settings.phase} ${rootsText(desired.settings.roots)}`;

    if (kind === "start" && !prev.multiRootEnabled) {
        problems.push(
            `Rotation refused: ${transition} needs ISTIO_MULTIROOT_MESH on istiod and PROXY_CONFIG_XDS_AGENT on every proxy, which the previous deployment did not set (it predates them). Fix: run pulumi up once at steady with this version (it sets both), restart workloads so proxies pick up PROXY_CONFIG_XDS_AGENT (kubectl rollout restart deployment -n <namespace>), then start the rotation.`,
        );
    }

    for (const root of desired.settings.roots) {
        const before = prev.rootSources[root];
        const after = desired.rootSources[root];
        if (before !== undefined && after !== undefined && before !== after) {
            problems.push(
                before === IN_CLUSTER_ROOT_SOURCE
                    ? `Rotation refused: root ${root} was made in the cluster (istio-ca:certManagerRoot in-cluster) and would now be ${after}. The program never knew the in-cluster root's PEM, so it cannot keep it in a trust bundle next to the new one; switching would leave every issued certificate untrusted. Fix: set istio-ca:certManagerRoot back to in-cluster (README: "Root CA rotation", in-cluster roots).`
                    : `Rotation refused: root ${root} was ${before} in the previous deployment and would now be ${after}; a root must keep its certificate for its whole life. Fix: ${after.startsWith("existing") ? `unset istio-ca:existingRootCert and istio-ca:existingRootKey (the existing root is always the first of istio-ca:roots)` : `set istio-ca:existingRootCert/existingRootKey back to that root, or use a new root name`}.`,
            );
        }
    }

    // A new signer only once the bundle holding it has reached every proxy.
    if (from.phase === "trust-both" && desired.settings.phase === "sign-new") {
        const since = parseTime(prev.phaseStartedAt["trust-both"]);
        const readyAt = since === undefined ? undefined : since + timing.propagationDelayMs;
        if (readyAt === undefined || nowMs < readyAt) {
            needed.push("sign-new-early");
            if (override?.name !== "sign-new-early") {
                problems.push(
                    `Rotation refused: sign-new too early. The bundle with ${desired.settings.roots[1]} was deployed at ${prev.phaseStartedAt["trust-both"] ?? "an unrecorded time"}; proxies may not all hold it until ${readyAt === undefined ? "unknown" : new Date(readyAt).toISOString()} (istio-ca:rotationPropagationDelay ${hours(timing.propagationDelayMs)}), and a proxy without it rejects certificates the new root signs. Fix: ${overrideFix("sign-new-early")}.`,
                );
            }
        }
    }

    // A root leaves the bundle only once nothing it signed can still be presented.
    const dropped = prev.trustedRoots.filter((root) => !plan.trustedRoots.includes(root));
    for (const root of dropped) {
        const stoppedAt = root === prev.signingRoot ? nowMs : parseTime(prev.signedUntil[root]);
        if (stoppedAt === undefined) continue; // never signed anything
        const safeAt = stoppedAt + timing.oldChainLifetimeMs + timing.propagationDelayMs;
        if (nowMs >= safeAt) continue;
        needed.push("retire-old-early");
        if (override?.name !== "retire-old-early") {
            problems.push(
                `Rotation refused: ${desired.settings.phase} too early. Root ${root} stopped signing at ${new Date(stoppedAt).toISOString()}, and certificates it signed may be in use until ${new Date(safeAt).toISOString()} (longest certificate lifetime ${hours(timing.oldChainLifetimeMs)} + istio-ca:rotationPropagationDelay ${hours(timing.propagationDelayMs)}); dropping it from the trust bundle now would make peers reject them. Fix: ${overrideFix("retire-old-early")}.`,
            );
        }
    }

    if (override && !needed.includes(override.name)) {
        problems.push(
            `istio-ca:rotationOverride is ${override.name}, but this update (${transition}) does not need it. Overrides are one-shot so that a forgotten one cannot waive a later check. Fix: pulumi config rm istio-ca:rotationOverride && pulumi config rm istio-ca:rotationOverrideReason`,
        );
    }
    if (problems.length > 0) return { allowed: false, problems };

    const phaseChanged = kind !== "unchanged";
    const phaseStartedAt: Partial<Record<RotationPhase, string>> = {};
    if (phaseChanged) {
        // Keep the times of the phases this rotation went through before the new one.
        for (const phase of ROTATION_PHASES) {
            if (PHASE_ORDER(phase) < PHASE_ORDER(desired.settings.phase) && prev.phaseStartedAt[phase]) phaseStartedAt[phase] = prev.phaseStartedAt[phase];
        }
        phaseStartedAt[desired.settings.phase] = nowIso;
    } else {
        Object.assign(phaseStartedAt, prev.phaseStartedAt);
        phaseStartedAt[desired.settings.phase] ??= nowIso;
    }

    const signedUntil: Record<string, string> = {};
    for (const [root, at] of Object.entries(prev.signedUntil)) {
        if (plan.roots.includes(root) && root !== plan.signingRoot) signedUntil[root] = at;
    }
    if (prev.signingRoot && prev.signingRoot !== plan.signingRoot && plan.roots.includes(prev.signingRoot)) signedUntil[prev.signingRoot] = nowIso;

    const state: RotationState = {
        caMode: desired.caMode,
        phase: desired.settings.phase,
        roots: plan.roots,
        trustedRoots: plan.trustedRoots,
        signingRoot: plan.signingRoot,
        multiRootEnabled: desired.multiRootEnabled,
        phaseStartedAt,
        signedUntil,
        rootSources: { ...desired.rootSources },
    };
    if (override) state.lastOverride = { name: override.name, reason: override.reason, at: nowIso, transition };
    else if (prev.lastOverride) state.lastOverride = prev.lastOverride;
    return { allowed: true, kind, state };
}

/** Thrown by the program when the guard refuses; nothing has been changed at that point. */
export class RotationRefusedError extends Error {
    constructor(readonly problems: string[]) {
        super(`Root rotation guard refused this update; nothing was changed:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "RotationRefusedError";
    }
}
