/** Root rotation settings: roots, phase, propagation delay, overrides and the state stack. */
import { formatDuration } from "../duration";
import { caModeRecord, modesWhere, quotedModes } from "../caModes";
import { DEFAULT_ROOT_NAME, ROOT_NAME_RE, ROTATION_OVERRIDES, ROTATION_PHASES, RotationOverride, rootCountFor } from "../rotation";
import { CaMode } from "./keys";
import { CertManagerSettings, RotationModel, StackModel } from "./model";
import { ConfigReader, fullKey, shownList } from "./reader";

/** One to three '/'-separated parts, each starting with a letter or digit (no "." or ".." parts). */
export const STACK_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*(\/[A-Za-z0-9][A-Za-z0-9_.-]*){0,2}$/;

/** The shortest propagation allowance the guard takes (docs/rotation.md, "The guard"). */
export const MIN_PROPAGATION_DELAY_MS = 10 * 60000;

export function readRoots(reader: ConfigReader): string[] | undefined {
    const text = reader.string("roots");
    if (text === undefined) return [DEFAULT_ROOT_NAME];
    let roots: unknown;
    try {
        roots = JSON.parse(text);
    } catch {
        roots = undefined;
    }
    if (!Array.isArray(roots) || !roots.every((root) => typeof root === "string")) {
        reader.problem(
            "roots",
            "is not a list of root names",
            `set it as a list, e.g. in the stack file \`${fullKey("roots")}: [r2026, r2027]\`, or: pulumi config set --path '${fullKey("roots")}[0]' r2026`,
        );
        return undefined;
    }
    const bad = roots.filter((root) => !ROOT_NAME_RE.test(root));
    if (bad.length > 0) {
        reader.problem(
            "roots",
            `has names that are not lower-case DNS labels: ${shownList(bad)}`,
            "use names of lower-case letters, digits and '-', at most 63 characters, such as r2026.",
        );
        return undefined;
    }
    if (new Set(roots).size !== roots.length) {
        reader.problem("roots", "lists a root twice", "list each root once, oldest first.");
        return undefined;
    }
    return roots;
}

/**
 * Whether this program rotates the mode's roots: a rotating mode with a root whose PEM it knows.
 * An in-cluster cert-manager root never reaches the program, so it cannot sit in a bundle next to a new root.
 */
export function rotatesRoots(model: Pick<StackModel, "caMode" | "certManager">): boolean {
    return caModeRecord(model.caMode).rotatesRoots && model.certManager?.root !== "in-cluster";
}

/** Shortest override reason taken, in visible characters. */
export const MIN_OVERRIDE_REASON_CHARS = 10;

/** Characters of a text that show: no whitespace, separators, or control and format characters (zero-width spaces). */
export function visibleLength(text: string): number {
    return [...text.replace(/[\s\p{Z}\p{C}]/gu, "")].length;
}

export function readRotation(reader: ConfigReader, caMode: CaMode, certManager?: CertManagerSettings): RotationModel {
    const phase = reader.oneOf("rotationPhase", ROTATION_PHASES, "steady");
    const propagationDelayMs = reader.duration("rotationPropagationDelay", "1h", { max: { ms: 720 * 3600000, why: "the guard would hold each phase for over a month" } });
    if (propagationDelayMs < MIN_PROPAGATION_DELAY_MS) {
        reader.problem(
            "rotationPropagationDelay",
            `is shorter than ${formatDuration(MIN_PROPAGATION_DELAY_MS)}, less than a mesh needs to take a new root: the kubelet's sync of the mounted cacerts (up to its sync period plus its cache TTL), istiod's reload and its namespace controller writing istio-ca-root-cert to every namespace, then the xDS push to every proxy`,
            `set ${fullKey("rotationPropagationDelay")} to ${formatDuration(MIN_PROPAGATION_DELAY_MS)} or more; "1h" (the default) leaves room for a large mesh.`,
        );
    }
    const rotating = rotatesRoots({ caMode, certManager });
    const readRootList = readRoots(reader);
    let roots = readRootList ?? [];
    if (!rotating) {
        const inClusterRoot = caModeRecord(caMode).rotatesRoots;
        const [message, fix] = inClusterRoot
            ? [
                  `cannot rotate an in-cluster root (${fullKey("certManagerRoot")} in-cluster): its PEM never reaches the program, so it cannot be put in a trust bundle next to a new root`,
                  `To make roots rotatable, the mesh must be on a root the program knows (certManagerRoot generated or existingRootCert); moving a live mesh off the in-cluster root is itself a root change (docs/rotation.md).`,
              ]
            : [
                  `root rotation is done by this program only for caMode ${quotedModes(modesWhere((mode) => mode.rotatesRoots))}, not "${caMode}"`,
                  `Or switch ${fullKey("caMode")} (see docs/rotation.md, "Changing the CA strategy").`,
              ];
        for (const key of ["roots", "rotationPhase"]) {
            if (reader.has(key) && !(key === "rotationPhase" && phase === "steady")) {
                reader.problem(key, message, `remove it (pulumi config rm ${fullKey(key)}). ${fix}`);
            }
        }
        roots = [];
    } else if (readRootList !== undefined && reader.has("roots") && roots.length !== rootCountFor(phase)) {
        const example = phase === "steady" ? `[${roots[roots.length - 1] ?? DEFAULT_ROOT_NAME}]` : `[${roots[0] ?? DEFAULT_ROOT_NAME}, ${roots[1] ?? "<new root>"}]`;
        reader.problem(
            "roots",
            `lists ${roots.length} root(s), but rotationPhase ${phase} needs ${rootCountFor(phase)} (${phase === "steady" ? "the one root in use" : "the old root, then the new one"})`,
            `set ${fullKey("roots")} to ${example}.`,
        );
    } else if (!reader.has("roots") && phase !== "steady") {
        reader.problem(
            "rotationPhase",
            `phase ${phase} needs two roots, but ${fullKey("roots")} is unset (one root, "${DEFAULT_ROOT_NAME}")`,
            `set ${fullKey("roots")} to [${DEFAULT_ROOT_NAME}, <new root name>].`,
        );
    }

    const overrideName = reader.string("rotationOverride");
    const MAX_OVERRIDE_REASON_CHARS = 500;
    const reason = reader.string("rotationOverrideReason");
    let override: RotationOverride | undefined;
    if (overrideName !== undefined) {
        const name = reader.oneOf("rotationOverride", ROTATION_OVERRIDES, ROTATION_OVERRIDES[0]);
        if (reason === undefined || visibleLength(reason) < MIN_OVERRIDE_REASON_CHARS) {
            reader.problem(
                "rotationOverrideReason",
                `must say why the check is waived (at least ${MIN_OVERRIDE_REASON_CHARS} characters, not counting spaces and invisible characters) when rotationOverride is set`,
                `run: pulumi config set ${fullKey("rotationOverrideReason")} "<why it is safe or necessary>"`,
            );
        } else if (reason.length > MAX_OVERRIDE_REASON_CHARS || /-----BEGIN|PRIVATE KEY|[\p{C}\p{Zl}\p{Zp}]/u.test(reason)) {
            // The reason is recorded in plain text in the stack's outputs (rotationState.lastOverride).
            reader.problem(
                "rotationOverrideReason",
                `is recorded in plain text in the stack's outputs, so it must be one line of prose of at most ${MAX_OVERRIDE_REASON_CHARS} characters, without PEM text or control characters`,
                `run: pulumi config set ${fullKey("rotationOverrideReason")} "<why it is safe or necessary>"`,
            );
        }
        override = { name, reason: reason ?? "" };
    } else if (reason !== undefined) {
        reader.problem(
            "rotationOverrideReason",
            "is set without rotationOverride",
            `remove it (pulumi config rm ${fullKey("rotationOverrideReason")}), or set ${fullKey("rotationOverride")}.`,
        );
    }

    const stateStack = reader.string("rotationStateStack");
    if (stateStack !== undefined && !STACK_NAME_RE.test(stateStack)) {
        reader.problem("rotationStateStack", "is not a stack name", `use <organization>/<project>/<stack>, e.g. "organization/istio-ca/prod" for a self-managed backend.`);
    }
    return { phase, roots, propagationDelayMs, override, stateStack };
}
