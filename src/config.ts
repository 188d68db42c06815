/**
 * Stack configuration: the one place where raw `istio-ca:*` config becomes a typed,
 * validated model. Components never read `pulumi.Config`; they take this model's parts.
 *
 * Every problem found is collected and reported together, each naming the key, the bad
 * value and a fix. Parsing happens before any resource is registered, so an invalid
 * config creates nothing.
 */
import { formatDuration, parseDuration } from "./duration";
import { KEY_ALGORITHMS, KeyAlgorithm, checkCaKeyPair } from "./pki";
import { DEFAULT_ROOT_NAME, ROOT_NAME_RE, ROTATION_OVERRIDES, ROTATION_PHASES, RotationOverride, RotationPhase, rootCountFor } from "./rotation";
import { SecretString } from "./secret";

export const CONFIG_NAMESPACE = "istio-ca";

export const CA_MODES = ["istiod", "plugin", "kubernetes", "cert-manager", "vault"] as const;
export type CaMode = (typeof CA_MODES)[number];

/** Modes whose issue has landed; the others fail with "not implemented yet". */
export const IMPLEMENTED_CA_MODES: readonly CaMode[] = ["istiod", "plugin"];

/** Modes whose roots this program rotates (`roots`, `rotationPhase`); the others keep one root. */
export const ROTATING_CA_MODES: readonly CaMode[] = ["plugin"];

/** Value types, as Pulumi's project `config:` block names them where it has one. */
export type ConfigValueType = "string" | "integer" | "boolean" | "number" | "array" | "object";

/** One documented config key. The README table and `Pulumi.yaml` are checked against this list. */
export interface ConfigKeySpec {
    key: string;
    type: ConfigValueType;
    /** Default as text, or undefined when the key is optional with no default. */
    default?: string;
    /** Must be set with `pulumi config set --secret`. */
    secret?: boolean;
    description: string;
}

export const CONFIG_KEYS: ConfigKeySpec[] = [
    { key: "caMode", type: "string", default: "istiod", description: `CA strategy: ${CA_MODES.join(" \\| ")}.` },
    { key: "trustDomain", type: "string", default: "cluster.local", description: "SPIFFE trust domain of the mesh (`meshConfig.trustDomain`)." },
    { key: "istioVersion", type: "string", default: "1.30.3", description: "Version of the Istio `base` and `istiod` Helm charts (1.24 or later)." },
    { key: "workloadCertTtl", type: "string", default: "24h", description: "Workload certificate lifetime: proxy `SECRET_TTL` and istiod `DEFAULT_WORKLOAD_CERT_TTL`. Go duration." },
    { key: "maxWorkloadCertTtl", type: "string", default: "48h", description: "Longest workload certificate istiod signs (`MAX_WORKLOAD_CERT_TTL`). Must be >= `workloadCertTtl`. Go duration." },
    { key: "gracePeriodRatio", type: "number", default: "0.5", description: "Fraction of a workload certificate's life left when the proxy renews it (`SECRET_GRACE_PERIOD_RATIO`), strictly between 0 and 1." },
    { key: "rootKeyAlgorithm", type: "string", default: "ECDSA-P384", description: `Root CA key: ${KEY_ALGORITHMS.join(" \\| ")}.` },
    { key: "rootValidity", type: "string", default: "87600h", description: "Root CA lifetime (10 years by default). Go duration, whole hours." },
    { key: "rootCommonName", type: "string", default: "istio-ca root", description: "Subject CN of generated roots; the root's name is appended." },
    { key: "intermediateKeyAlgorithm", type: "string", default: "ECDSA-P256", description: `Key of the intermediate CA that istiod signs with: ${KEY_ALGORITHMS.join(" \\| ")}.` },
    { key: "intermediateValidity", type: "string", default: "8760h", description: "Intermediate (istiod signing) CA lifetime. Go duration, whole hours." },
    { key: "intermediateRenewBefore", type: "string", default: "720h", description: "How long before expiry the intermediate is re-issued. Must be < `intermediateValidity`." },
    { key: "organization", type: "string", default: "istio-ca", description: "Subject O of generated CA certificates." },
    { key: "existingRootCert", type: "string", description: "PEM of an existing root CA to use instead of generating one (`plugin` mode). Set together with `existingRootKey`." },
    { key: "existingRootKey", type: "string", secret: true, description: "PEM private key of `existingRootCert`. Must be a secret: `pulumi config set --secret`." },
    { key: "roots", type: "array", default: `[${DEFAULT_ROOT_NAME}]`, description: "Root names, oldest first: one at `steady`, `[old, new]` in the other phases. Names their resources; `existingRootCert` supplies the first." },
    { key: "rotationPhase", type: "string", default: "steady", description: `Root rotation phase: ${ROTATION_PHASES.join(" \\| ")}. Move one phase per \`pulumi up\`.` },
    { key: "rotationPropagationDelay", type: "string", default: "1h", description: "How long a `cacerts` change takes to reach every proxy. The guard waits this long after `trust-both` before `sign-new`, and adds it to `maxWorkloadCertTtl` before `retire-old`. Go duration." },
    { key: "rotationOverride", type: "string", description: `Waive one rotation check for one update: ${ROTATION_OVERRIDES.join(" \\| ")}. Needs \`rotationOverrideReason\`; refused when the update does not need it.` },
    { key: "rotationOverrideReason", type: "string", description: "Why the override is used; recorded in the `rotationState` output." },
    { key: "rotationStateStack", type: "string", description: "Stack whose outputs hold the previous rotation state. Default: this stack (`<organization>/<project>/<stack>`)." },
];

const KNOWN_KEYS = new Set(CONFIG_KEYS.map((spec) => spec.key));

/** A CA's key and lifetime settings. */
export interface CaCertSettings {
    keyAlgorithm: KeyAlgorithm;
    /** Lifetime, milliseconds. */
    validityMs: number;
    commonName: string;
    organization: string;
}

export interface IntermediateCaSettings extends CaCertSettings {
    /** Re-issue this long before expiry, milliseconds. */
    renewBeforeMs: number;
}

/** An existing root CA supplied through secret config. */
export interface ExistingRoot {
    certPem: string;
    keyPem: SecretString;
}

export interface WorkloadCertSettings {
    /** `SECRET_TTL` and `DEFAULT_WORKLOAD_CERT_TTL`, milliseconds. */
    ttlMs: number;
    /** `MAX_WORKLOAD_CERT_TTL`, milliseconds. */
    maxTtlMs: number;
    /** `SECRET_GRACE_PERIOD_RATIO`, in (0, 1). */
    gracePeriodRatio: number;
}

/** Root rotation settings (see `src/rotation.ts`). */
export interface RotationModel {
    phase: RotationPhase;
    /** Root names, oldest first; empty for modes that do not rotate. */
    roots: string[];
    /** The guard's propagation allowance, milliseconds. */
    propagationDelayMs: number;
    override?: RotationOverride;
    /** Fully qualified name of the stack holding the previous rotation state; undefined: this stack. */
    stateStack?: string;
}

/** The validated stack model. */
export interface StackModel {
    caMode: CaMode;
    trustDomain: string;
    istio: { version: string; namespace: string };
    workloadCerts: WorkloadCertSettings;
    rootCa: CaCertSettings;
    intermediateCa: IntermediateCaSettings;
    existingRoot?: ExistingRoot;
    rotation: RotationModel;
}

/** Raw config as Pulumi hands it over: values are strings (structured values JSON-encoded). */
export interface RawConfig {
    /** Keys without the `istio-ca:` prefix. Keys of other namespaces are not passed in. */
    values: Record<string, string>;
    /** Keys (without prefix) whose value is a Pulumi secret. */
    secretKeys: ReadonlySet<string>;
}

export interface ConfigProblem {
    /** Full key, e.g. `istio-ca:workloadCertTtl`. */
    key: string;
    /** The offending value as text (secrets are never echoed). */
    value: string;
    message: string;
    fix: string;
}

export class ConfigError extends Error {
    constructor(readonly problems: ConfigProblem[]) {
        super(formatProblems(problems));
        this.name = "ConfigError";
    }
}

function formatProblems(problems: ConfigProblem[]): string {
    const lines = problems.map((p) => `  - ${p.key} = ${p.value}: ${p.message}\n    Fix: ${p.fix}`);
    return `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}); nothing was changed:\n${lines.join("\n")}`;
}

export function fullKey(key: string): string {
    return `${CONFIG_NAMESPACE}:${key}`;
}

/** Collects problems while reading keys, so that every problem is reported at once. */
export class ConfigReader {
    readonly problems: ConfigProblem[] = [];
    constructor(private readonly raw: RawConfig) {}

    has(key: string): boolean {
        return this.raw.values[key] !== undefined;
    }

    isSecret(key: string): boolean {
        return this.raw.secretKeys.has(key);
    }

    /** The raw text of a key, quoted for messages, or "(secret)" for secrets. */
    shown(key: string): string {
        if (this.isSecret(key)) return "(secret)";
        const value = this.raw.values[key];
        return value === undefined ? "(unset)" : JSON.stringify(value);
    }

    problem(key: string, message: string, fix: string): void {
        this.problems.push({ key: fullKey(key), value: this.shown(key), message, fix });
    }

    string(key: string): string | undefined {
        return this.raw.values[key];
    }

    stringOr(key: string, fallback: string): string {
        return this.raw.values[key] ?? fallback;
    }

    oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
        const value = this.raw.values[key];
        if (value === undefined) return fallback;
        if ((allowed as readonly string[]).includes(value)) return value as T;
        this.problem(key, `must be one of ${allowed.join(", ")}`, `set ${fullKey(key)} to one of: ${allowed.join(", ")}.`);
        return fallback;
    }

    /** A Go duration in milliseconds. */
    duration(key: string, fallback: string, opts: { wholeHours?: boolean } = {}): number {
        const text = this.raw.values[key] ?? fallback;
        const ms = parseDuration(text);
        if (ms === undefined || ms <= 0) {
            this.problem(key, "is not a positive Go duration", `use a value such as "45m", "24h" or "720h" for ${fullKey(key)}.`);
            return parseDuration(fallback)!;
        }
        if (opts.wholeHours && ms % 3600000 !== 0) {
            this.problem(key, "must be a whole number of hours (certificate lifetimes are set in hours)", `round ${fullKey(key)} to whole hours, e.g. "${Math.ceil(ms / 3600000)}h".`);
        }
        return ms;
    }

    number(key: string, fallback: number): number {
        const text = this.raw.values[key];
        if (text === undefined) return fallback;
        const value = Number(text);
        if (text.trim() === "" || !Number.isFinite(value)) {
            this.problem(key, "is not a number", `set ${fullKey(key)} to a decimal number such as 0.5.`);
            return fallback;
        }
        return value;
    }

    /** A secret string; a plain (unencrypted) value is a problem. */
    secret(key: string): SecretString | undefined {
        const value = this.raw.values[key];
        if (value === undefined) return undefined;
        if (!this.isSecret(key)) {
            this.problems.push({
                key: fullKey(key),
                value: "(plain text, not shown)",
                message: "holds private key material but is not a Pulumi secret, so it would sit unencrypted in the stack file",
                fix: `run: pulumi config set --secret ${fullKey(key)} -- "$(cat key.pem)"`,
            });
        }
        return new SecretString(value);
    }
}

const TRUST_DOMAIN_RE = /^[a-z0-9._-]+$/;
const ISTIO_VERSION_RE = /^1\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?$/;
const MIN_ISTIO_MINOR = 24;

/** Edit distance, for "did you mean" hints on unknown keys. */
function editDistance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
        let prev = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const current = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
            prev = current;
        }
    }
    return row[b.length];
}

function closestKey(key: string): string | undefined {
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const known of KNOWN_KEYS) {
        const distance = editDistance(key, known);
        if (distance < bestDistance) {
            best = known;
            bestDistance = distance;
        }
    }
    return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

function checkUnknownKeys(reader: ConfigReader, raw: RawConfig): void {
    for (const key of Object.keys(raw.values)) {
        if (KNOWN_KEYS.has(key)) continue;
        const suggestion = closestKey(key);
        reader.problem(
            key,
            "is not a config key of this project",
            suggestion
                ? `did you mean ${fullKey(suggestion)}? Otherwise remove it: pulumi config rm ${fullKey(key)}.`
                : `remove it (pulumi config rm ${fullKey(key)}); README.md lists every key.`,
        );
    }
}

function readCaMode(reader: ConfigReader): CaMode {
    const mode = reader.oneOf("caMode", CA_MODES, "istiod");
    if (reader.string("caMode") === mode && !IMPLEMENTED_CA_MODES.includes(mode)) {
        reader.problem("caMode", `CA mode "${mode}" is not implemented yet`, `use one of: ${IMPLEMENTED_CA_MODES.join(", ")}.`);
    }
    return mode;
}

function readTrustDomain(reader: ConfigReader): string {
    const trustDomain = reader.stringOr("trustDomain", "cluster.local");
    if (trustDomain.length === 0 || trustDomain.length > 255 || !TRUST_DOMAIN_RE.test(trustDomain)) {
        reader.problem(
            "trustDomain",
            "is not a valid SPIFFE trust domain (lower-case letters, digits, '.', '-' and '_' only, at most 255 characters, no scheme or path)",
            `set ${fullKey("trustDomain")} to a name such as "cluster.local" or "prod.example.com".`,
        );
    }
    return trustDomain;
}

function readIstioVersion(reader: ConfigReader): string {
    const version = reader.stringOr("istioVersion", "1.30.3");
    const match = ISTIO_VERSION_RE.exec(version);
    if (!match) {
        reader.problem("istioVersion", "is not an Istio release version of the form 1.<minor>.<patch>", `set ${fullKey("istioVersion")} to a chart version such as "1.30.3" (no leading "v").`);
    } else if (Number(match[1]) < MIN_ISTIO_MINOR) {
        reader.problem("istioVersion", `is older than 1.${MIN_ISTIO_MINOR}, whose flat istiod chart values this program writes`, `set ${fullKey("istioVersion")} to 1.${MIN_ISTIO_MINOR}.0 or later, e.g. "1.30.3".`);
    }
    return version;
}

function readWorkloadCerts(reader: ConfigReader): WorkloadCertSettings {
    const ttlMs = reader.duration("workloadCertTtl", "24h");
    const maxTtlMs = reader.duration("maxWorkloadCertTtl", "48h");
    if (ttlMs > maxTtlMs) {
        reader.problem(
            reader.has("workloadCertTtl") ? "workloadCertTtl" : "maxWorkloadCertTtl",
            `workload certificate TTL ${formatDuration(ttlMs)} exceeds MAX_WORKLOAD_CERT_TTL ${formatDuration(maxTtlMs)}; istiod rejects such requests outright, so no workload would get a certificate`,
            `set ${fullKey("workloadCertTtl")} to ${formatDuration(maxTtlMs)} or less, or raise ${fullKey("maxWorkloadCertTtl")} to at least ${formatDuration(ttlMs)}.`,
        );
    }
    const gracePeriodRatio = reader.number("gracePeriodRatio", 0.5);
    if (!(gracePeriodRatio > 0 && gracePeriodRatio < 1)) {
        reader.problem(
            "gracePeriodRatio",
            "must be strictly between 0 and 1 (0 never renews before expiry, 1 renews continuously)",
            `set ${fullKey("gracePeriodRatio")} to a value such as 0.5.`,
        );
    }
    return { ttlMs, maxTtlMs, gracePeriodRatio };
}

function readCaSettings(reader: ConfigReader, workloadCerts: WorkloadCertSettings): { rootCa: CaCertSettings; intermediateCa: IntermediateCaSettings } {
    const organization = reader.stringOr("organization", "istio-ca");
    const rootCa: CaCertSettings = {
        keyAlgorithm: reader.oneOf("rootKeyAlgorithm", KEY_ALGORITHMS, "ECDSA-P384"),
        validityMs: reader.duration("rootValidity", "87600h", { wholeHours: true }),
        commonName: reader.stringOr("rootCommonName", "istio-ca root"),
        organization,
    };
    const intermediateCa: IntermediateCaSettings = {
        keyAlgorithm: reader.oneOf("intermediateKeyAlgorithm", KEY_ALGORITHMS, "ECDSA-P256"),
        validityMs: reader.duration("intermediateValidity", "8760h", { wholeHours: true }),
        renewBeforeMs: reader.duration("intermediateRenewBefore", "720h", { wholeHours: true }),
        commonName: "istio-ca intermediate",
        organization,
    };
    if (intermediateCa.renewBeforeMs >= intermediateCa.validityMs) {
        reader.problem(
            "intermediateRenewBefore",
            `renewBefore ${formatDuration(intermediateCa.renewBeforeMs)} is not shorter than the intermediate's duration ${formatDuration(intermediateCa.validityMs)}, so it would be re-issued continuously`,
            `set ${fullKey("intermediateRenewBefore")} below ${formatDuration(intermediateCa.validityMs)} (a third of it is common), or raise ${fullKey("intermediateValidity")}.`,
        );
    }
    if (intermediateCa.validityMs > rootCa.validityMs) {
        reader.problem(
            "intermediateValidity",
            `the intermediate would outlive its root (${formatDuration(rootCa.validityMs)})`,
            `set ${fullKey("intermediateValidity")} to at most ${fullKey("rootValidity")} (${formatDuration(rootCa.validityMs)}).`,
        );
    }
    if (workloadCerts.maxTtlMs > intermediateCa.renewBeforeMs) {
        reader.problem(
            "maxWorkloadCertTtl",
            `workload certificates may live ${formatDuration(workloadCerts.maxTtlMs)}, longer than the intermediate's renewBefore window ${formatDuration(intermediateCa.renewBeforeMs)}, so istiod could sign certificates that outlive its own CA certificate`,
            `set ${fullKey("maxWorkloadCertTtl")} to at most ${formatDuration(intermediateCa.renewBeforeMs)}, or raise ${fullKey("intermediateRenewBefore")}.`,
        );
    }
    return { rootCa, intermediateCa };
}

function readExistingRoot(reader: ConfigReader, caMode: CaMode): ExistingRoot | undefined {
    const certPem = reader.string("existingRootCert");
    const keyPem = reader.secret("existingRootKey");
    if (certPem === undefined && keyPem === undefined) return undefined;
    if (certPem === undefined || keyPem === undefined) {
        const missing = certPem === undefined ? "existingRootCert" : "existingRootKey";
        reader.problem(missing, "is unset, but an existing root needs both its certificate and its key", `set both ${fullKey("existingRootCert")} and ${fullKey("existingRootKey")} (the key with --secret), or neither to generate a root.`);
        return undefined;
    }
    if (caMode !== "plugin") {
        reader.problem("existingRootCert", `an existing root is only used by caMode "plugin", not "${caMode}"`, `remove ${fullKey("existingRootCert")} and ${fullKey("existingRootKey")}, or set ${fullKey("caMode")} to plugin.`);
    }
    const why = checkCaKeyPair(certPem, keyPem.reveal());
    if (why !== undefined) {
        reader.problems.push({
            key: fullKey("existingRootCert"),
            value: "(PEM, not shown)",
            message: `cannot be used as the root CA: ${why}`,
            fix: `supply a valid, unexpired CA certificate in ${fullKey("existingRootCert")} and its own private key in ${fullKey("existingRootKey")}.`,
        });
    }
    return { certPem, keyPem };
}

const STACK_NAME_RE = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+){0,2}$/;

function readRoots(reader: ConfigReader): string[] | undefined {
    const text = reader.string("roots");
    if (text === undefined) return [DEFAULT_ROOT_NAME];
    let roots: unknown;
    try {
        roots = JSON.parse(text);
    } catch {
        roots = undefined;
    }
    if (!Array.isArray(roots) || !roots.every((root) => typeof root === "string")) {
        reader.problem("roots", "is not a list of root names", `set it as a list, e.g. in the stack file \`${fullKey("roots")}: [r2026, r2027]\`, or: pulumi config set --path '${fullKey("roots")}[0]' r2026`);
        return undefined;
    }
    const bad = roots.filter((root) => !ROOT_NAME_RE.test(root));
    if (bad.length > 0) {
        reader.problem("roots", `has names that are not lower-case DNS labels: ${bad.map((b) => JSON.stringify(b)).join(", ")}`, "use names of lower-case letters, digits and '-', at most 63 characters, such as r2026.");
        return undefined;
    }
    if (new Set(roots).size !== roots.length) {
        reader.problem("roots", "lists a root twice", "list each root once, oldest first.");
        return undefined;
    }
    return roots;
}

function readRotation(reader: ConfigReader, caMode: CaMode): RotationModel {
    const phase = reader.oneOf("rotationPhase", ROTATION_PHASES, "steady");
    const propagationDelayMs = reader.duration("rotationPropagationDelay", "1h");
    const rotating = ROTATING_CA_MODES.includes(caMode);
    let roots = readRoots(reader) ?? [];
    if (!rotating) {
        for (const key of ["roots", "rotationPhase"]) {
            if (reader.has(key) && !(key === "rotationPhase" && phase === "steady")) {
                reader.problem(key, `root rotation is done by this program only for caMode ${ROTATING_CA_MODES.join(", ")}, not "${caMode}"`, `remove it (pulumi config rm ${fullKey(key)}), or switch ${fullKey("caMode")} (see README, "Changing the CA strategy").`);
            }
        }
        roots = [];
    } else if (reader.has("roots") && reader.problems.every((p) => p.key !== fullKey("roots")) && roots.length !== rootCountFor(phase)) {
        const example = phase === "steady" ? `[${roots[roots.length - 1] ?? DEFAULT_ROOT_NAME}]` : `[${roots[0] ?? DEFAULT_ROOT_NAME}, ${roots[1] ?? "<new root>"}]`;
        reader.problem(
            "roots",
            `lists ${roots.length} root(s), but rotationPhase ${phase} needs ${rootCountFor(phase)} (${phase === "steady" ? "the one root in use" : "the old root, then the new one"})`,
            `set ${fullKey("roots")} to ${example}.`,
        );
    } else if (!reader.has("roots") && phase !== "steady") {
        reader.problem("rotationPhase", `phase ${phase} needs two roots, but ${fullKey("roots")} is unset (one root, "${DEFAULT_ROOT_NAME}")`, `set ${fullKey("roots")} to [${DEFAULT_ROOT_NAME}, <new root name>].`);
    }

    const overrideName = reader.string("rotationOverride");
    const reason = reader.string("rotationOverrideReason");
    let override: RotationOverride | undefined;
    if (overrideName !== undefined) {
        const name = reader.oneOf("rotationOverride", ROTATION_OVERRIDES, ROTATION_OVERRIDES[0]);
        if (reason === undefined || reason.trim().length < 10) {
            reader.problem("rotationOverrideReason", "must say why the check is waived (at least 10 characters) when rotationOverride is set", `run: pulumi config set ${fullKey("rotationOverrideReason")} "<why it is safe or necessary>"`);
        }
        override = { name, reason: reason ?? "" };
    } else if (reason !== undefined) {
        reader.problem("rotationOverrideReason", "is set without rotationOverride", `remove it (pulumi config rm ${fullKey("rotationOverrideReason")}), or set ${fullKey("rotationOverride")}.`);
    }

    const stateStack = reader.string("rotationStateStack");
    if (stateStack !== undefined && !STACK_NAME_RE.test(stateStack)) {
        reader.problem("rotationStateStack", "is not a stack name", `use <organization>/<project>/<stack>, e.g. "organization/istio-ca/prod" for a self-managed backend.`);
    }
    return { phase, roots, propagationDelayMs, override, stateStack };
}

/** Turns raw stack config into the validated model, or throws a ConfigError listing every problem. */
export function parseStackConfig(raw: RawConfig): StackModel {
    const reader = new ConfigReader(raw);
    checkUnknownKeys(reader, raw);
    const caMode = readCaMode(reader);
    const trustDomain = readTrustDomain(reader);
    const version = readIstioVersion(reader);
    const workloadCerts = readWorkloadCerts(reader);
    const { rootCa, intermediateCa } = readCaSettings(reader, workloadCerts);
    const existingRoot = readExistingRoot(reader, caMode);
    const rotation = readRotation(reader, caMode);
    if (reader.problems.length > 0) throw new ConfigError(reader.problems);
    return {
        caMode,
        trustDomain,
        istio: { version, namespace: "istio-system" },
        workloadCerts,
        rootCa,
        intermediateCa,
        existingRoot,
        rotation,
    };
}
