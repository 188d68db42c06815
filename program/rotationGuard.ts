/**
 * The rotation guard: decides whether a deployment may go ahead given the previous one's recorded
 * state, and returns the state to record. Every refusal names what is wrong and how to proceed.
 * Pure: the time is given, nothing is read.
 */
import { CA_MODES, CaMode, caModeRecord } from "../src/caModes";
import {
    IN_CLUSTER_ROOT_SOURCE,
    ROTATION_PHASES,
    RotationOverride,
    RotationOverrideName,
    RotationPhase,
    RotationSettings,
    RotationTiming,
    TransitionKind,
    classifyTransition,
    rootsText,
    rotationPlan,
    DEFAULT_ROOT_NAME,
} from "../src/rotation";
import {
    PreviousDeployment,
    ROTATION_STATE_VERSION,
    RecordedTiming,
    RootParameters,
    RotationState,
    StackIdentity,
    VaultIntermediateRecord,
    adoptUnrotatedState,
    latestRecordedTime,
    own,
} from "./rotationState";

/** What the current config asks for. */
export interface DesiredRotation {
    /** This stack, recorded in the state. */
    identity: StackIdentity;
    caMode: CaMode;
    /** The mode's roots are rotated by this program (otherwise roots are empty and ignored). */
    rotating: boolean;
    settings: RotationSettings;
    /** Source of each root ("generated", "in-cluster" or "existing sha256:<fingerprint>"). */
    rootSources: Record<string, string>;
    /** Whether this deployment sets the multi-root settings. */
    multiRootEnabled: boolean;
    /** What the root settings in config make a root with; they apply to a root that does not exist yet. */
    rootParameters?: RootParameters;
    /** The Vault intermediate the config asks for (vault mode). */
    vaultIntermediate?: Omit<VaultIntermediateRecord, "retainedIssuerNames">;
    /** A fleet's clusters, in config order; undefined for a stack of one cluster. */
    clusters?: string[];
    override?: RotationOverride;
}

export interface GuardInput {
    previous: PreviousDeployment;
    desired: DesiredRotation;
    timing: RotationTiming;
    now: Date;
}

export type GuardVerdict =
    | {
          allowed: true;
          kind: TransitionKind | "first-deployment" | "change-ca-mode";
          state: RotationState;
          /** The parameters each generated root must be made with: an existing root keeps its recorded ones. */
          rootParameters: Record<string, RootParameters>;
      }
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

/** A wait as hours and minutes ("12h15m"), rounded up to the minute. */
function hoursAndMinutes(ms: number): string {
    const minutes = Math.ceil(ms / 60000);
    const h = Math.floor(minutes / 60);
    const m = minutes % 60;
    return `${h > 0 ? `${h}h` : ""}${m > 0 || h === 0 ? `${m}m` : ""}`;
}

function overrideFix(name: RotationOverrideName): string {
    return `wait until then and run pulumi up again; or, accepting that traffic may fail, run: pulumi config set istio-ca:rotationOverride ${name} && pulumi config set istio-ca:rotationOverrideReason "<why>"`;
}

/** The config keys behind each root parameter, for messages. */
const ROOT_PARAMETER_KEYS: Record<keyof RootParameters, string> = {
    commonName: "istio-ca:rootCommonName",
    organization: "istio-ca:organization",
    keyAlgorithm: "istio-ca:rootKeyAlgorithm",
    validityHours: "istio-ca:rootValidity",
    maxPathLength: "the path length the program gives roots",
};

function parameterValue(key: keyof RootParameters, parameters: RootParameters): string {
    return key === "validityHours" ? `${parameters.validityHours}h` : JSON.stringify(parameters[key]);
}

function changedParameters(before: RootParameters, after: RootParameters): (keyof RootParameters)[] {
    return (Object.keys(ROOT_PARAMETER_KEYS) as (keyof RootParameters)[]).filter((key) => before[key] !== after[key]);
}

/** Roots whose certificate the program (or cert-manager in the cluster) makes from the root settings. */
function madeRoots(rootSources: Record<string, string>): string[] {
    return Object.entries(rootSources)
        .filter(([, source]) => source === "generated" || source === IN_CLUSTER_ROOT_SOURCE)
        .map(([root]) => root);
}

/**
 * The parameters each made root keeps (recorded ones for roots that exist), and a refusal when the
 * root settings no longer describe the newest root that exists: subject, key and lifetime force
 * replacement of @pulumi/tls roots and of Vault's SecretBackendRootCert (Vault silently keeps the
 * old certificate on a TTL change), and roots are protected, so such a change must be a rotation.
 */
function resolveRootParameters(prev: RotationState | undefined, desired: DesiredRotation): { parameters: Record<string, RootParameters>; problem?: string } {
    const parameters: Record<string, RootParameters> = {};
    const wanted = desired.rootParameters;
    if (!wanted) return { parameters };
    const made = madeRoots(desired.rootSources);
    for (const root of made) {
        const recorded = prev && own(prev.rootSources, root) === own(desired.rootSources, root) ? own(prev.rootParameters, root) : undefined;
        parameters[root] = recorded ?? wanted;
    }
    const ordered = desired.settings.roots.length > 0 ? desired.settings.roots.filter((root) => made.includes(root)) : made;
    const newest = ordered[ordered.length - 1];
    const recorded = newest !== undefined && prev && own(prev.rootSources, newest) === own(desired.rootSources, newest) ? own(prev.rootParameters, newest) : undefined;
    if (!recorded) return { parameters };
    const changed = changedParameters(recorded, wanted);
    if (changed.length === 0) return { parameters };
    const was = changed.map((key) => `${ROOT_PARAMETER_KEYS[key]} ${parameterValue(key, recorded)}`).join(", ");
    const now = changed.map((key) => parameterValue(key, wanted)).join(", ");
    const inRotation = desired.settings.phase !== "steady" || prev?.phase !== "steady";
    const rotateFix = inRotation
        ? `finish the rotation in progress with the settings its new root was made with, then rotate once more to a new root made with the new settings`
        : `to use the new settings, rotate to a new root made with them: set istio-ca:roots to [${newest}, <new root>] and istio-ca:rotationPhase to trust-both (the root settings describe the newest root; ${newest} keeps its own)`;
    return {
        parameters,
        problem: `Rotation refused: root ${newest} was made with ${was}, and the config now says ${now}. A root's subject, key and lifetime cannot change: @pulumi/tls and Vault would replace the root (Vault ignores a TTL change), roots are protected, and a new root would not be trusted by any proxy. Fix: set ${changed.map((key) => ROOT_PARAMETER_KEYS[key]).join(", ")} back; or ${rotateFix}.`,
    };
}

/**
 * The Vault intermediate to record, or a refusal: Vault signs a new intermediate only for a new
 * resource (the CSR is ForceNew, sign-intermediate's TTL and the issuer's issuer_ref are not), and a
 * retired intermediate's issuer stays in Vault under its name.
 */
function resolveVaultIntermediate(prev: RotationState | undefined, desired: DesiredRotation): { record?: VaultIntermediateRecord; problem?: string } {
    const wanted = desired.vaultIntermediate;
    if (!wanted) return {};
    const before = prev?.caMode === desired.caMode ? prev.vaultIntermediate : undefined;
    if (!before) return { record: { ...wanted, retainedIssuerNames: [] } };
    const nextGeneration = `raise istio-ca:vaultIntermediateGeneration to ${Math.max(before.generation, wanted.generation) + 1}`;
    if (wanted.generation < before.generation) {
        return {
            problem: `Rotation refused: istio-ca:vaultIntermediateGeneration goes back from ${before.generation} to ${wanted.generation}; the intermediates of earlier generations are retired. Fix: set it to ${before.generation}, or ${nextGeneration} to renew the intermediate.`,
        };
    }
    if (wanted.issuerName !== before.issuerName && before.retainedIssuerNames.includes(wanted.issuerName)) {
        return {
            problem: `Rotation refused: the Vault intermediate would be named ${wanted.issuerName}, the name of an earlier intermediate that is still an issuer of the intermediate mount (a retired issuer is kept, not deleted), so Vault would refuse the name. Fix: ${nextGeneration}.`,
        };
    }
    const sameIntermediate = wanted.issuerName === before.issuerName;
    if (sameIntermediate) {
        const changed = (Object.keys(wanted.parameters) as (keyof VaultIntermediateRecord["parameters"])[]).filter((key) => wanted.parameters[key] !== before.parameters[key]);
        if (changed.length > 0) {
            return {
                problem: `Rotation refused: the Vault intermediate ${before.issuerName} was made with ${changed.map((key) => `${key} ${JSON.stringify(before.parameters[key])}`).join(", ")}, and the config now says ${changed.map((key) => JSON.stringify(wanted.parameters[key])).join(", ")}. Vault does not re-sign an intermediate on such a change. Fix: set the settings back, or ${nextGeneration} to issue a new intermediate with them.`,
            };
        }
        return { record: { ...wanted, retainedIssuerNames: before.retainedIssuerNames } };
    }
    return { record: { ...wanted, retainedIssuerNames: [...before.retainedIssuerNames, before.issuerName] } };
}

/**
 * Decides whether this deployment may go ahead, given the previous one, and returns the state to
 * record. Nothing here reads a clock: `now` is given.
 */
export function guardRotation(input: GuardInput): GuardVerdict {
    const { desired, now } = input;
    if (!(now instanceof Date) || !Number.isFinite(now.getTime())) {
        return {
            allowed: false,
            problems: [`Rotation refused: the clock reads ${String(now)}, not a time. Fix: give the program a valid clock (the plan's --now takes ISO 8601).`],
        };
    }
    const nowIso = now.toISOString();
    const nowMs = now.getTime();
    const plan = desired.rotating ? rotationPlan(desired.settings) : undefined;
    const problems: string[] = [];
    const needed: RotationOverrideName[] = [];
    const override = desired.override;

    const recordedPrevious = input.previous.kind === "state" ? input.previous.state : undefined;
    const { effective: timing, record: timingRecord } = resolveTiming(recordedPrevious, input.timing, nowMs);
    /** Since when each root trusted after this update has been in the bundle without a break. */
    const trustedSinceAfter = (prev: RotationState | undefined): Record<string, string> =>
        Object.fromEntries((plan ? plan.trustedRoots : []).map((root) => [root, (prev && prev.trustedRoots.includes(root) ? own(prev.trustedSince, root) : undefined) ?? nowIso]));
    const base = (phaseStartedAt: Partial<Record<RotationPhase, string>>, signedUntil: Record<string, string>, prev?: RotationState): Omit<RotationState, "rootParameters"> => ({
        version: ROTATION_STATE_VERSION,
        ...desired.identity,
        recordedAt: nowIso,
        caMode: desired.caMode,
        phase: desired.settings.phase,
        roots: plan ? plan.roots : [],
        trustedRoots: plan ? plan.trustedRoots : [],
        signingRoot: plan ? plan.signingRoot : null,
        multiRootEnabled: desired.multiRootEnabled,
        phaseStartedAt,
        signedUntil,
        trustedSince: trustedSinceAfter(prev),
        timing: timingRecord,
        rootSources: { ...desired.rootSources },
        ...(desired.clusters ? { clusters: [...desired.clusters] } : {}),
    });
    const staleOverride = (what: string): string =>
        `istio-ca:rotationOverride is ${override!.name}, but ${what} does not need it. Overrides are one-shot so that a forgotten one cannot waive a later check. Fix: pulumi config rm istio-ca:rotationOverride && pulumi config rm istio-ca:rotationOverrideReason`;
    const finish = (kind: Exclude<GuardVerdict, { allowed: false }>["kind"], state: Omit<RotationState, "rootParameters">, prev: RotationState | undefined): GuardVerdict => {
        const roots = resolveRootParameters(prev, desired);
        const intermediate = resolveVaultIntermediate(prev, desired);
        const refusals = [roots.problem, intermediate.problem].filter((p): p is string => p !== undefined);
        if (refusals.length > 0) return { allowed: false, problems: refusals };
        const recorded: RotationState = { ...state, rootParameters: { ...roots.parameters } };
        if (intermediate.record) recorded.vaultIntermediate = intermediate.record;
        return { allowed: true, kind, state: recorded, rootParameters: roots.parameters };
    };

    const previous = input.previous;
    if (previous.kind === "unreadable") {
        return { allowed: false, problems: previous.problems.map((p) => `Rotation refused: the recorded rotation state cannot be used: ${p}`) };
    }
    if (previous.kind === "none") {
        // Nothing recorded: the mesh is taken to be new, which is only safe at steady.
        if (desired.settings.phase !== "steady") {
            if (override?.name !== "adopt-mid-rotation") {
                return {
                    allowed: false,
                    problems: [
                        `Rotation refused: this stack has no recorded rotation state, and a first deployment starts at steady, not ${desired.settings.phase}: without a record of when earlier phases ran, the guard cannot tell whether ${desired.settings.phase} is safe. Fix: deploy at steady first (istio-ca:rotationPhase steady, one root); or, to adopt a mesh that is really mid-rotation (its state was lost), run: pulumi config set istio-ca:rotationOverride adopt-mid-rotation && pulumi config set istio-ca:rotationOverrideReason "<why>"`,
                    ],
                };
            }
        } else if (override) {
            return { allowed: false, problems: [staleOverride("a first deployment at steady")] };
        }
        // An adopted phase counts its waits from now, as if it had just been entered.
        const signedUntil = plan && (plan.phase === "sign-new" || plan.phase === "retire-old") ? { [plan.roots[0]]: nowIso } : {};
        const state = base({ [desired.settings.phase]: nowIso }, signedUntil);
        if (override)
            state.lastOverride = {
                name: override.name,
                reason: override.reason,
                at: nowIso,
                transition: `first deployment at ${desired.settings.phase} ${rootsText(desired.settings.roots)}`,
            };
        return finish("first-deployment", state, undefined);
    }
    const recorded: RotationState = previous.kind === "legacy" ? legacyState(previous.caMode, desired.identity) : previous.state;
    // The clock must not run behind what was recorded: the waits count from recorded times.
    const latest = latestRecordedTime(recorded);
    if (latest !== undefined && nowMs < latest) {
        return {
            allowed: false,
            problems: [
                `Rotation refused: this update's clock reads ${nowIso}, earlier than ${new Date(latest).toISOString()}, which the previous deployment recorded. The guard's waits count from recorded times, so a clock running behind could let a phase through early. Fix: correct this machine's clock (NTP) and run pulumi up again.`,
            ],
        };
    }
    const prev = plan && recorded.caMode === desired.caMode ? adoptUnrotatedState(recorded) : recorded;

    const fleetProblem = fleetChangeProblem(prev, desired);
    if (fleetProblem) return { allowed: false, problems: [fleetProblem] };

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
                        `Fix: keep caMode ${prev.caMode}; or make the switch keep the root, e.g. from istiod to plugin, adopt istiod's root from the istio-ca-secret Secret as istio-ca:existingRootCert/existingRootKey, then run: pulumi config set istio-ca:rotationOverride change-ca-mode && pulumi config set istio-ca:rotationOverrideReason "<why>" (docs/rotation.md, "Changing the CA strategy").`,
                ],
            };
        }
        const state = base({ [desired.settings.phase]: nowIso }, {});
        state.lastOverride = { name: override.name, reason: override.reason, at: nowIso, transition: `caMode ${prev.caMode} -> ${desired.caMode}` };
        return finish("change-ca-mode", state, undefined);
    }

    if (!plan) {
        // A mode whose root this program does not rotate: nothing to rotate, but its root must stay.
        if (override) return { allowed: false, problems: [staleOverride(`an update in caMode ${desired.caMode}`)] };
        if (prev.phase !== "steady" || prev.trustedRoots.length > 0) {
            return {
                allowed: false,
                problems: [
                    `Rotation refused: the mesh trusts ${prev.trustedRoots.length > 0 ? `the roots [${prev.trustedRoots.join(", ")}], which the program made or was given` : "roots the program manages"}${prev.phase !== "steady" ? ` and is at ${prev.phase}` : ""}; an in-cluster root (istio-ca:certManagerRoot in-cluster) would replace every one of them at once, so certificates already issued would not be trusted. Fix: keep istio-ca:certManagerRoot generated (or the existing root); a root the program cannot see cannot be rotated to.`,
                ],
            };
        }
        const swapped = Object.keys(desired.rootSources).find(
            (root) => own(prev.rootSources, root) !== undefined && own(prev.rootSources, root) !== own(desired.rootSources, root),
        );
        if (swapped) {
            return {
                allowed: false,
                problems: [
                    `Rotation refused: root ${swapped} was ${prev.rootSources[swapped]} in the previous deployment and would now be ${desired.rootSources[swapped]}, a different root in one step; certificates already issued would not be trusted. Fix: keep the root's source (istio-ca:certManagerRoot, istio-ca:existingRootCert) as it was.`,
                ],
            };
        }
        const state = base(prev.phaseStartedAt.steady ? { steady: prev.phaseStartedAt.steady } : { steady: nowIso }, {});
        if (prev.lastOverride) state.lastOverride = prev.lastOverride;
        return finish("unchanged", state, prev);
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
        const before = own(prev.rootSources, root);
        const after = own(desired.rootSources, root);
        if (before !== undefined && after !== undefined && before !== after) {
            problems.push(
                before === IN_CLUSTER_ROOT_SOURCE
                    ? `Rotation refused: root ${root} was made in the cluster (istio-ca:certManagerRoot in-cluster) and would now be ${after}. The program never knew the in-cluster root's PEM, so it cannot keep it in a trust bundle next to the new one; switching would leave every issued certificate untrusted. Fix: set istio-ca:certManagerRoot back to in-cluster (docs/rotation.md, in-cluster roots).`
                    : `Rotation refused: root ${root} was ${before} in the previous deployment and would now be ${after}; a root must keep its certificate for its whole life. Fix: ${after.startsWith("existing") ? `unset istio-ca:existingRootCert and istio-ca:existingRootKey (the existing root is always the first of istio-ca:roots)` : `set istio-ca:existingRootCert/existingRootKey back to that root, or use a new root name`}.`,
            );
        }
    }

    // A root starts signing only once the bundle holding it has reached every proxy: at sign-new,
    // and when a step back makes a root sign again that was just put back in the bundle.
    if (plan.signingRoot !== prev.signingRoot) {
        const sinceText = prev.trustedRoots.includes(plan.signingRoot) ? own(prev.trustedSince, plan.signingRoot) : undefined;
        const since = parseTime(sinceText);
        // Ambient: ztunnel holds the new root only once each identity has renewed after istiod has it.
        const refreshMs = timing.peerRootRefreshMs ?? 0;
        const readyAt = since === undefined ? undefined : since + timing.propagationDelayMs + refreshMs;
        if (readyAt === undefined || nowMs < readyAt) {
            needed.push("sign-new-early");
            if (override?.name !== "sign-new-early") {
                const wait =
                    refreshMs > 0
                        ? `istio-ca:rotationPropagationDelay ${hours(timing.propagationDelayMs)} + ${hoursAndMinutes(refreshMs)} for every ztunnel identity to renew, which is when ztunnel takes new roots: half of istio-ca:maxWorkloadCertTtl and 15m of retries`
                        : `istio-ca:rotationPropagationDelay ${hours(timing.propagationDelayMs)}`;
                problems.push(
                    `Rotation refused: ${desired.settings.phase} too early. The bundle with ${plan.signingRoot} was deployed at ${sinceText ?? "an unrecorded time"}; proxies may not all hold it until ${readyAt === undefined ? "unknown" : new Date(readyAt).toISOString()} (${wait}), and a proxy without it rejects certificates ${plan.signingRoot} signs. Fix: ${overrideFix("sign-new-early")}.`,
                );
            }
        }
    }

    // A root leaves the bundle only once nothing it signed can still be presented.
    const dropped = prev.trustedRoots.filter((root) => !plan.trustedRoots.includes(root));
    for (const root of dropped) {
        const stoppedAt = root === prev.signingRoot ? nowMs : parseTime(own(prev.signedUntil, root));
        // The schema makes every root that signed carry a time; a root without one never signed.
        if (stoppedAt === undefined) continue;
        const safeAt = stoppedAt + timing.oldChainLifetimeMs + timing.propagationDelayMs;
        if (nowMs >= safeAt) continue;
        needed.push("retire-old-early");
        if (override?.name !== "retire-old-early") {
            problems.push(
                `Rotation refused: ${desired.settings.phase} too early. Root ${root} stopped signing at ${new Date(stoppedAt).toISOString()}, and certificates it signed may be in use until ${new Date(safeAt).toISOString()} (longest certificate lifetime ${hours(timing.oldChainLifetimeMs)} + istio-ca:rotationPropagationDelay ${hours(timing.propagationDelayMs)}); dropping it from the trust bundle now would make peers reject them. Fix: ${overrideFix("retire-old-early")}.`,
            );
        }
    }

    if (override && !needed.includes(override.name)) problems.push(staleOverride(`this update (${transition})`));
    if (problems.length > 0) return { allowed: false, problems };

    const phaseStartedAt: Partial<Record<RotationPhase, string>> = {};
    if (kind !== "unchanged") {
        // Keep the times of the phases this rotation went through before the new one.
        for (const phase of ROTATION_PHASES) {
            const started = own(prev.phaseStartedAt, phase);
            if (PHASE_ORDER(phase) < PHASE_ORDER(desired.settings.phase) && started) phaseStartedAt[phase] = started;
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

    const state = base(phaseStartedAt, signedUntil, prev);
    if (override) state.lastOverride = { name: override.name, reason: override.reason, at: nowIso, transition };
    else if (prev.lastOverride) state.lastOverride = prev.lastOverride;
    return finish(kind, state, prev);
}

/**
 * The timing the guard uses now, and the one to record: the longer of the configured and the
 * recorded values, until the certificates issued under the recorded (longer) ones have expired,
 * counted from when the config first went lower. So lowering maxWorkloadCertTtl or the propagation
 * delay cannot shorten a wait for what was issued before.
 */
function resolveTiming(prev: RotationState | undefined, configured: RotationTiming, nowMs: number): { effective: RotationTiming; record: RecordedTiming } {
    const recorded = prev?.timing;
    // ztunnel's renewal wait is recorded only where there is one (ambient), so sidecar states stay as they were.
    const withRefresh = (timing: RotationTiming, refreshMs: number): RotationTiming => ({
        oldChainLifetimeMs: timing.oldChainLifetimeMs,
        propagationDelayMs: timing.propagationDelayMs,
        ...(refreshMs > 0 ? { peerRootRefreshMs: refreshMs } : {}),
    });
    const plain = withRefresh(configured, configured.peerRootRefreshMs ?? 0);
    if (!recorded) return { effective: plain, record: plain };
    // Also lower: leaving ambient mid-rotation, or a shorter maxWorkloadCertTtl, while ztunnels may still hold certificates issued before.
    const lower =
        configured.oldChainLifetimeMs < recorded.oldChainLifetimeMs ||
        configured.propagationDelayMs < recorded.propagationDelayMs ||
        (configured.peerRootRefreshMs ?? 0) < (recorded.peerRootRefreshMs ?? 0);
    if (!lower) return { effective: plain, record: plain };
    const loweredAt = parseTime(recorded.loweredAt) ?? nowMs;
    if (nowMs >= loweredAt + recorded.oldChainLifetimeMs + recorded.propagationDelayMs) return { effective: plain, record: plain };
    const longest = withRefresh(
        {
            oldChainLifetimeMs: Math.max(recorded.oldChainLifetimeMs, configured.oldChainLifetimeMs),
            propagationDelayMs: Math.max(recorded.propagationDelayMs, configured.propagationDelayMs),
        },
        Math.max(recorded.peerRootRefreshMs ?? 0, configured.peerRootRefreshMs ?? 0),
    );
    return { effective: longest, record: { ...longest, loweredAt: new Date(loweredAt).toISOString() } };
}

/**
 * Why the fleet cannot change as asked, or undefined. A stack of one cluster and a fleet keep their
 * roots and intermediates under different resources, so switching between them would replace the
 * protected roots. Clusters join or leave only at steady: a cluster added mid-rotation would start
 * without the bundle the others have held since trust-both, and the guard's waits could not vouch for it.
 */
function fleetChangeProblem(prev: RotationState, desired: DesiredRotation): string | undefined {
    const before = prev.clusters;
    const after = desired.clusters;
    if ((before === undefined) !== (after === undefined)) {
        return before === undefined
            ? `Rotation refused: this stack deployed one cluster, and istio-ca:clusters now asks for a fleet of [${after!.join(", ")}]. A fleet makes its roots once and an intermediate per cluster under other resources, so the switch would replace this stack's protected roots and its cacerts. Fix: deploy the fleet as a new stack that signs with this stack's root (istio-ca:existingRootCert/existingRootKey) or rotates to a new one, move the clusters over, then retire this stack; or remove istio-ca:clusters.`
            : `Rotation refused: this stack deployed the fleet [${before!.join(", ")}], and istio-ca:clusters is now unset (one cluster). The fleet's roots and per-cluster intermediates live under other resources than one cluster's, so the switch would replace the protected roots. Fix: keep istio-ca:clusters, listing the clusters that remain; or deploy the single cluster as a new stack with the fleet's root (istio-ca:existingRootCert/existingRootKey).`;
    }
    if (before === undefined || after === undefined) return undefined;
    const added = after.filter((cluster) => !before.includes(cluster));
    const removed = before.filter((cluster) => !after.includes(cluster));
    if (added.length === 0 && removed.length === 0) return undefined;
    if (prev.phase !== "steady" || desired.settings.phase !== "steady") {
        const change = [added.length ? `adds ${added.join(", ")}` : "", removed.length ? `removes ${removed.join(", ")}` : ""].filter(Boolean).join(" and ");
        return `Rotation refused: istio-ca:clusters ${change} while a rotation is in progress (previous phase ${prev.phase}, requested ${desired.settings.phase}). A cluster that joins mid-rotation starts without the bundle the others have held since trust-both, and one that leaves takes with it workloads whose certificates the guard's waits account for. Fix: finish the rotation at steady with the clusters [${before.join(", ")}], then change istio-ca:clusters in an update of its own.`;
    }
    return undefined;
}

/** The state of a deployment by a release that recorded none, as this release would have recorded it. */
function legacyState(caMode: string, identity: StackIdentity): RotationState {
    // A mode name this release does not know rotates nothing; the mode check then refuses the switch.
    const rotating = (CA_MODES as readonly string[]).includes(caMode) && caModeRecord(caMode as CaMode).rotatesRoots;
    return {
        version: ROTATION_STATE_VERSION,
        ...identity,
        recordedAt: new Date(0).toISOString(),
        caMode,
        phase: "steady",
        roots: rotating ? [DEFAULT_ROOT_NAME] : [],
        trustedRoots: rotating ? [DEFAULT_ROOT_NAME] : [],
        signingRoot: rotating ? DEFAULT_ROOT_NAME : null,
        multiRootEnabled: false,
        phaseStartedAt: {},
        signedUntil: {},
        trustedSince: rotating ? { [DEFAULT_ROOT_NAME]: new Date(0).toISOString() } : {},
        rootSources: {},
        rootParameters: {},
    };
}

/** Thrown by the program when the guard refuses; nothing has been changed at that point. */
export class RotationRefusedError extends Error {
    constructor(readonly problems: string[]) {
        super(`Root rotation guard refused this update; nothing was changed:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "RotationRefusedError";
    }
}
