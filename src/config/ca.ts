/** Root and intermediate CA settings, an existing root, and the subjects the program makes from them. */
import { formatDuration } from "../duration";
import { KEY_ALGORITHMS, checkCaKeyPair } from "../pki";
import { DEFAULT_ROOT_NAME } from "../rotation";
import { vaultIntermediateNaming } from "../vaultRotation";
import { CaMode, CertManagerDelivery, caModeRecord, modesWhere, quotedModes } from "../caModes";
import { CaCertSettings, ExistingRoot, IntermediateCaSettings, VaultSettings, WorkloadCertSettings } from "./model";
import { ConfigReader, fullKey, shownValue } from "./reader";

/** The longest CA lifetime taken: 100 years. Beyond a few centuries, Go's time arithmetic in the tls provider wraps around. */
export const CA_LIFETIME_LIMIT = {
    ms: 876000 * 3600000,
    why: "a CA's lifetime is bounded (100 years here); Go's time arithmetic wraps a few centuries out, which would give the certificate a notAfter in the past",
};

/** RFC 5280's upper bound on a subject CN or O (ub-common-name, ub-organization-name). */
export const SUBJECT_NAME_MAX = 64;

/**
 * A subject name (CN or O) from config: printable, trimmed, non-empty, at most 64 characters.
 * Printable in Unicode's sense: no control, format (zero-width), private-use or unassigned
 * character, and no line or paragraph separator, all of which hide what a certificate says.
 */
export function readSubjectName(reader: ConfigReader, key: string, fallback: string): string {
    const value = reader.stringOr(key, fallback);
    const problem =
        value.trim() === ""
            ? "is empty"
            : value.length > SUBJECT_NAME_MAX
              ? `is ${value.length} characters long; RFC 5280 allows at most ${SUBJECT_NAME_MAX}`
              : /[\p{C}\p{Zl}\p{Zp}]/u.test(value)
                ? "holds a control character (a newline, say), or an invisible format or line-separator character"
                : value !== value.trim()
                  ? "starts or ends with whitespace"
                  : undefined;
    if (problem) {
        reader.problem(
            key,
            `${problem}; it goes into certificate subjects`,
            `set ${fullKey(key)} to a name of at most ${SUBJECT_NAME_MAX} printable characters, e.g. "${fallback}".`,
        );
        return fallback;
    }
    return value;
}

/** Root settings, unused where istiod makes its own root. */
export const ROOT_SETTING_KEYS = ["rootKeyAlgorithm", "rootValidity", "rootCommonName", "organization"];
/** Settings of the intermediate that signs workloads, unused where istiod makes its own CA or Vault's intermediate signs leaves. */
export const INTERMEDIATE_SETTING_KEYS = ["intermediateKeyAlgorithm", "intermediateValidity", "intermediateRenewBefore"];

/** Whether the mode signs workloads with an intermediate built from the `intermediate*` settings. */
export function usesIntermediateSettings(reader: ConfigReader, caMode: CaMode): boolean {
    return caModeRecord(caMode).usesIntermediateSettings(deliveryOf(reader));
}

/** The configured delivery, as far as it is valid (its own check reports the rest). */
function deliveryOf(reader: ConfigReader): CertManagerDelivery {
    return reader.string("certManagerDelivery") === "istio-csr" ? "istio-csr" : "cacerts";
}

export function refuseUnusedCaKeys(reader: ConfigReader, caMode: CaMode): void {
    const makesOwnRoot = caModeRecord(caMode).rootMaker === "istiod";
    const unused = [...(makesOwnRoot ? ROOT_SETTING_KEYS : []), ...(usesIntermediateSettings(reader, caMode) ? [] : INTERMEDIATE_SETTING_KEYS)];
    const why = makesOwnRoot
        ? `caMode "${caMode}" makes its own self-signed CA`
        : `with the ${deliveryOf(reader)} delivery Vault's intermediate (vaultIntermediate*) signs workload certificates`;
    for (const key of unused.filter((k) => reader.has(k))) {
        reader.problem(key, `is not used: ${why}`, `remove it (pulumi config rm ${fullKey(key)}).`);
    }
}

export function readCaSettings(reader: ConfigReader, workloadCerts: WorkloadCertSettings, caMode: CaMode): { rootCa: CaCertSettings; intermediateCa: IntermediateCaSettings } {
    refuseUnusedCaKeys(reader, caMode);
    const organization = readSubjectName(reader, "organization", "istio-ca");
    const rootCa: CaCertSettings = {
        keyAlgorithm: reader.oneOf("rootKeyAlgorithm", KEY_ALGORITHMS, "ECDSA-P384"),
        validityMs: reader.duration("rootValidity", "87600h", { wholeHours: true, max: CA_LIFETIME_LIMIT }),
        commonName: readSubjectName(reader, "rootCommonName", "istio-ca root"),
        organization,
    };
    const intermediateCa: IntermediateCaSettings = {
        keyAlgorithm: reader.oneOf("intermediateKeyAlgorithm", KEY_ALGORITHMS, "ECDSA-P256"),
        validityMs: reader.duration("intermediateValidity", "8760h", { wholeHours: true, max: CA_LIFETIME_LIMIT }),
        renewBeforeMs: reader.duration("intermediateRenewBefore", "720h", { wholeHours: true }),
        commonName: "istio-ca intermediate",
        organization,
    };
    if (!usesIntermediateSettings(reader, caMode)) return { rootCa, intermediateCa };
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

export function readExistingRoot(reader: ConfigReader, caMode: CaMode, intermediateCa: IntermediateCaSettings): ExistingRoot | undefined {
    const certPem = reader.string("existingRootCert");
    const keyPem = reader.secret("existingRootKey");
    if (certPem === undefined && keyPem === undefined) return undefined;
    if (certPem === undefined || keyPem === undefined) {
        const missing = certPem === undefined ? "existingRootCert" : "existingRootKey";
        reader.problem(
            missing,
            "is unset, but an existing root needs both its certificate and its key",
            `set both ${fullKey("existingRootCert")} and ${fullKey("existingRootKey")} (the key with --secret), or neither to generate a root.`,
        );
        return undefined;
    }
    if (!caModeRecord(caMode).acceptsExistingRoot) {
        reader.problem(
            "existingRootCert",
            `an existing root is only used by caMode ${quotedModes(modesWhere((mode) => mode.acceptsExistingRoot))}, not "${caMode}"`,
            `remove ${fullKey("existingRootCert")} and ${fullKey("existingRootKey")}, or set ${fullKey("caMode")} to plugin.`,
        );
        return undefined;
    }
    const why = checkCaKeyPair(certPem, keyPem.reveal(), { validUntil: new Date(Date.now() + intermediateCa.validityMs) });
    if (why !== undefined) {
        reader.problems.push({
            key: fullKey("existingRootCert"),
            value: "(PEM, not shown)",
            message: `cannot be used as the root CA: ${why}`,
            fix: `supply one valid CA certificate that may sign CAs and outlives ${fullKey("intermediateValidity")} (${formatDuration(intermediateCa.validityMs)}) in ${fullKey("existingRootCert")}, with its own private key in ${fullKey("existingRootKey")}; or shorten ${fullKey("intermediateValidity")}.`,
        });
    }
    return { certPem, keyPem };
}

/** Refuses root settings whose subject CNs, as the program composes them, exceed RFC 5280's 64 characters. */
export function checkGeneratedSubjects(
    reader: ConfigReader,
    caMode: CaMode,
    rootCa: CaCertSettings,
    roots: string[],
    hasExistingRoot: boolean,
    vault: VaultSettings | undefined,
    /** A fleet's cluster names; none for one cluster. */
    clusterNames: string[] = [],
): void {
    const record = caModeRecord(caMode);
    if (record.rootMaker === "istiod") return;
    const generated = (roots.length > 0 ? roots : [DEFAULT_ROOT_NAME]).filter((_, index) => !(hasExistingRoot && index === 0));
    const rootCns = generated.map((root) => record.rootCommonName(rootCa.commonName, root));
    const longRoot = rootCns.find((cn) => cn.length > SUBJECT_NAME_MAX);
    if (longRoot) {
        reader.problem(
            "rootCommonName",
            `makes the root CN ${shownValue(longRoot)}, ${longRoot.length} characters with the root's name appended; RFC 5280 allows at most ${SUBJECT_NAME_MAX}`,
            `shorten ${fullKey("rootCommonName")} (or the root names) so that "${record.rootCommonName("<rootCommonName>", "<root>")}" fits in ${SUBJECT_NAME_MAX} characters.`,
        );
    }
    if (vault) {
        const signing = roots.length > 0 ? roots[roots.length - 1] : DEFAULT_ROOT_NAME;
        // A fleet's clusters each have an intermediate named after the cluster (the longest name counts).
        const cluster = clusterNames.reduce((longest, name) => (name.length > longest.length ? name : longest), "");
        const base = `${rootCa.organization} vault intermediate${cluster ? ` ${cluster}` : ""}`;
        const cn = vaultIntermediateNaming(signing, base, vault.intermediate.generation).commonName;
        if (cn.length > SUBJECT_NAME_MAX) {
            reader.problem(
                "organization",
                `makes the Vault intermediate's CN ${shownValue(cn)}, ${cn.length} characters; RFC 5280 allows at most ${SUBJECT_NAME_MAX}`,
                `shorten ${fullKey("organization")}${cluster ? " (or the cluster names)" : ""} so that "<organization> vault intermediate${cluster ? " <cluster>" : ""} <root> g<n>" fits in ${SUBJECT_NAME_MAX} characters.`,
            );
        }
    }
}
