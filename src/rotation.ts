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
 * is pure: strategies call these functions, the program's guard (`program/rotationGuard.ts`) applies the verdict.
 */
import type { StackModel } from "./config";
import type { IstiodCaValues } from "./istioValues";
import { caModeRecord } from "./caModes";
import { DEFAULT_ROOT_NAME } from "./rootNames";
import { ztunnelRootRefreshMs } from "./ambient";

export { DEFAULT_ROOT_NAME };

export const ROTATION_PHASES = ["steady", "trust-both", "sign-new", "retire-old"] as const;
export type RotationPhase = (typeof ROTATION_PHASES)[number];

/** Named, explicit exceptions to the guard; each needs a reason and applies to one transition. */
export const ROTATION_OVERRIDES = ["sign-new-early", "retire-old-early", "change-ca-mode", "adopt-mid-rotation"] as const;
export type RotationOverrideName = (typeof ROTATION_OVERRIDES)[number];

/** `rootSources` value of a root made inside the cluster (cert-manager `certManagerRoot: in-cluster`), which cannot rotate. */
export const IN_CLUSTER_ROOT_SOURCE = "in-cluster";

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

export function rootsText(roots: readonly string[]): string {
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
                return illegal(
                    `${phaseChange}: the first root must be the one in use (${from.roots[0]}) and the second a new one`,
                    rootsFix([from.roots[0], to.roots[1] === from.roots[0] ? to.roots[0] : to.roots[1]]),
                );
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

/** Lifetimes that decide how long the guard waits. */
export interface RotationTiming {
    /** Longest life of a certificate the old chain signed that can still be in use after it stops signing, ms. */
    oldChainLifetimeMs: number;
    /** How long a cacerts change takes to reach every proxy (secret volume sync, istiod reload, xDS push), ms. */
    propagationDelayMs: number;
    /**
     * Ambient only: how long, after a new bundle has reached istiod (the propagation delay), every
     * ztunnel identity takes to renew and hold it, ms (`ztunnelRootRefreshMs`). ztunnel reads no
     * pushed bundle, so a new root may sign only after this as well. Unset with sidecars.
     */
    peerRootRefreshMs?: number;
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
 * In ambient mode the wait before a new root signs also covers ztunnel's renewals
 * (`peerRootRefreshMs`); the wait before retire-old does not change: the old chain's certificates
 * expire on the same schedule whoever holds them.
 */
export function rotationTiming(model: Pick<StackModel, "caMode" | "certManager" | "workloadCerts" | "rotation"> & Partial<Pick<StackModel, "dataPlane">>): RotationTiming {
    const timing = workloadChainTiming(model);
    const istioCsr = model.certManager?.delivery === "istio-csr";
    let oldChainLifetimeMs = timing.oldChainLifetimeMs;
    // istio-csr (cert-manager or Vault behind it) also signs its own and istiod's 1h certificates.
    if (istioCsr) oldChainLifetimeMs = Math.max(oldChainLifetimeMs, ISTIO_CSR_CONTROL_PLANE_CERT_MS);
    // Vault cacerts: istiod signs from the old chain until cert-manager has re-issued cacerts from the
    // re-signed Vault intermediate (a CN change, not an issuerRef change) and istiod has reloaded it.
    if (caModeRecord(model.caMode).signsFromOldChainAfterSignNew(model.certManager?.delivery ?? "cacerts")) oldChainLifetimeMs += timing.propagationDelayMs;
    // Ambient: ztunnel takes a new root only with each identity's next certificate (src/ambient.ts),
    // and no CA here issues a workload certificate longer than maxWorkloadCertTtl.
    if (model.dataPlane === "ambient") return { ...timing, oldChainLifetimeMs, peerRootRefreshMs: ztunnelRootRefreshMs(model.workloadCerts.maxTtlMs) };
    return { ...timing, oldChainLifetimeMs };
}
