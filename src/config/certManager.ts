/** Settings of the modes that install cert-manager. */
import { KEY_ROTATION_POLICIES } from "../certManagerResources";
import { DEFAULT_CERT_MANAGER_NAMESPACE, DEFAULT_CERT_MANAGER_VERSION, DEFAULT_ISTIO_CSR_VERSION, DEFAULT_TRUST_MANAGER_VERSION } from "../certManagerValues";
import { DEFAULT_APPROVER_POLICY_VERSION } from "../issuancePolicy";
import { CaMode, caModeRecord, modesWhere, quotedModes } from "../caModes";
import { CERT_MANAGER_APPROVALS, CERT_MANAGER_DELIVERIES, CERT_MANAGER_ROOTS } from "./keys";
import { CertManagerSettings } from "./model";
import { ConfigReader, fullKey } from "./reader";

/** cert-manager keys that only modes with a choice of delivery read (the `kubernetes` mode has one fixed path). */
export const DELIVERY_KEYS = ["certManagerDelivery", "istioCsrVersion", "trustManagerVersion"];

export const CERT_MANAGER_KEYS = [
    "certManagerDelivery",
    "certManagerRoot",
    "certManagerVersion",
    "certManagerServiceMonitor",
    "certManagerKeyRotationPolicy",
    "certManagerApproval",
    "approverPolicyVersion",
    "istioCsrVersion",
    "trustManagerVersion",
];
export const CHART_VERSION_RE = /^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

export function readChartVersion(reader: ConfigReader, key: string, fallback: string): string {
    const version = reader.stringOr(key, fallback);
    if (!CHART_VERSION_RE.test(version)) {
        reader.problem(
            key,
            "is not a jetstack chart version of the form v<major>.<minor>.<patch>",
            `set ${fullKey(key)} to a chart version such as "${fallback}" (with the leading "v").`,
        );
    }
    return version;
}

export function readCertManager(reader: ConfigReader, caMode: CaMode, hasExistingRoot: boolean): CertManagerSettings | undefined {
    const record = caModeRecord(caMode);
    if (!record.installsCertManager) {
        for (const key of CERT_MANAGER_KEYS.filter((k) => reader.has(k))) {
            reader.problem(
                key,
                `is only used by caMode ${quotedModes(modesWhere((mode) => mode.installsCertManager))}, not "${caMode}"`,
                `remove it (pulumi config rm ${fullKey(key)}), or set ${fullKey("caMode")} to cert-manager.`,
            );
        }
        return undefined;
    }
    if (record.deliveries.length === 0) {
        for (const key of DELIVERY_KEYS.filter((k) => reader.has(k))) {
            reader.problem(key, `is not used by caMode "${caMode}" (there cert-manager signs Kubernetes CSRs directly)`, `remove it (pulumi config rm ${fullKey(key)}).`);
        }
    }
    const rootSource = reader.string("certManagerRoot");
    if (rootSource !== undefined && record.certManagerRoots.length === 0) {
        reader.problem(
            "certManagerRoot",
            `is not used by caMode "${caMode}": ${record.certManagerRootNote ?? "the mode makes no root in cert-manager"}`,
            `remove it: pulumi config rm ${fullKey("certManagerRoot")}.`,
        );
    } else if (rootSource !== undefined && (CERT_MANAGER_ROOTS as readonly string[]).includes(rootSource) && !(record.certManagerRoots as readonly string[]).includes(rootSource)) {
        reader.problem(
            "certManagerRoot",
            `is ${rootSource}, but ${record.certManagerRootNote ?? `caMode "${caMode}" does not take it`}`,
            `use ${fullKey("certManagerRoot")} ${record.certManagerRoots.join(" or ")} (the default) or an existing root (${fullKey("existingRootCert")}/${fullKey("existingRootKey")}).`,
        );
    }
    const settings: CertManagerSettings = {
        version: readChartVersion(reader, "certManagerVersion", DEFAULT_CERT_MANAGER_VERSION),
        namespace: DEFAULT_CERT_MANAGER_NAMESPACE,
        delivery: reader.oneOf("certManagerDelivery", CERT_MANAGER_DELIVERIES, "cacerts"),
        root: reader.oneOf("certManagerRoot", CERT_MANAGER_ROOTS, "generated"),
        serviceMonitor: reader.boolean("certManagerServiceMonitor", false),
        keyRotationPolicy: reader.oneOf("certManagerKeyRotationPolicy", KEY_ROTATION_POLICIES, "Always"),
        istioCsrVersion: readChartVersion(reader, "istioCsrVersion", DEFAULT_ISTIO_CSR_VERSION),
        trustManagerVersion: readChartVersion(reader, "trustManagerVersion", DEFAULT_TRUST_MANAGER_VERSION),
        approval: reader.oneOf("certManagerApproval", CERT_MANAGER_APPROVALS, "policy"),
        approverPolicyVersion: readChartVersion(reader, "approverPolicyVersion", DEFAULT_APPROVER_POLICY_VERSION),
    };
    if (settings.approval === "auto" && reader.has("approverPolicyVersion")) {
        reader.problem(
            "approverPolicyVersion",
            `is only used with ${fullKey("certManagerApproval")} policy, not auto`,
            `remove it (pulumi config rm ${fullKey("approverPolicyVersion")}), or set ${fullKey("certManagerApproval")} to policy.`,
        );
    }
    if (reader.has("certManagerRoot") && hasExistingRoot) {
        reader.problem(
            "certManagerRoot",
            `asks for a ${settings.root} root, but an existing root is configured too; only one root can sign`,
            `remove ${fullKey("certManagerRoot")} to sign with the existing root, or remove ${fullKey("existingRootCert")} and ${fullKey("existingRootKey")}.`,
        );
    }
    if (settings.root === "in-cluster" && settings.delivery === "istio-csr") {
        reader.problem(
            "certManagerRoot",
            "is in-cluster, but the istio-csr delivery needs a trust bundle of roots the program knows; an in-cluster root's PEM never reaches the program",
            `use ${fullKey("certManagerRoot")} generated (or an existing root), or set ${fullKey("certManagerDelivery")} to cacerts.`,
        );
    }
    for (const key of ["istioCsrVersion", "trustManagerVersion"].filter((k) => reader.has(k))) {
        if (record.deliveries.length > 0 && settings.delivery !== "istio-csr") {
            reader.problem(
                key,
                `is only used by the istio-csr delivery, not "${settings.delivery}"`,
                `remove it (pulumi config rm ${fullKey(key)}), or set ${fullKey("certManagerDelivery")} to istio-csr.`,
            );
        }
    }
    return settings;
}
