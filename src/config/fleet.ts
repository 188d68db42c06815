/**
 * A mesh that spans clusters (`clusters`): one root of trust, one intermediate per cluster, one
 * meshID, trust domain and rotation phase for the whole fleet. Unset, the stack is one cluster, as
 * before, reached through `kubeconfig` and `kubernetesContext`.
 */
import type { DataPlane } from "../ambient";
import { caModeRecord, CaMode } from "../caModes";
import { SUBJECT_NAME_MAX } from "./ca";
import { kubeconfigContentsSign } from "./cluster";
import { readObjectList } from "./meshPolicy";
import { CertManagerSettings, ClusterModel, FleetModel, IntermediateCaSettings, KubernetesAccess } from "./model";
import { SecretString } from "../secret";
import { ConfigReader, fullKey } from "./reader";
import { checkAudience, parseHttpsUrl, readPemText } from "./vault";

export const CLUSTER_FIELDS = ["name", "context", "kubeconfig", "network", "vaultKubernetesHost", "vaultKubernetesCaCert", "vaultKubernetesApiAudience"] as const;
/** A fleet is two or more clusters; a stack of one cluster leaves `clusters` unset. */
export const MIN_CLUSTERS = 2;
/** Each cluster adds an Istio install and CA chain; beyond this, split the fleet into stacks. */
export const MAX_CLUSTERS = 32;
/** Cluster names suffix resource names, Vault mounts and certificate subjects. */
export const CLUSTER_NAME_RE = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/;
const NETWORK_RE = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
const EXAMPLE = "[{name: east, context: prod-east, network: net-east}, {name: west, context: prod-west, network: net-west}]";

/** The intermediate CN of a cluster: the configured CN with the cluster's name, so an operator can tell them apart. */
export function clusterIntermediateCommonName(base: string, cluster: string): string {
    return `${base} ${cluster}`;
}

function readClusterAccess(reader: ConfigReader, path: string, entry: Record<string, unknown>): KubernetesAccess | undefined {
    const access: KubernetesAccess = {};
    if (entry.context !== undefined) {
        if (typeof entry.context !== "string" || entry.context.trim() === "" || /[\s"]/.test(entry.context)) {
            reader.problemAt("clusters", `${path}.context`, entry.context, "is not a kubeconfig context name", "set it to a name from: kubectl config get-contexts -o name");
            return undefined;
        }
        access.context = entry.context;
    }
    if (entry.kubeconfig !== undefined) {
        const text = entry.kubeconfig;
        if (typeof text !== "string" || text.trim() === "") {
            reader.problemAt(
                "clusters",
                `${path}.kubeconfig`,
                "(not shown)",
                "is not a kubeconfig file path or a kubeconfig",
                "set it to a kubeconfig file path, or to the kubeconfig itself with the whole key set as a secret.",
            );
            return undefined;
        }
        const sign = kubeconfigContentsSign(text);
        if (sign !== undefined && !reader.isSecret("clusters")) {
            reader.problems.push({
                key: fullKey("clusters"),
                value: "(not shown)",
                message: `${path}.kubeconfig holds a kubeconfig's contents (${sign}), whose users carry cluster credentials, but ${fullKey("clusters")} is not a secret`,
                fix: `set the whole list as a secret: pulumi config set --secret ${fullKey("clusters")} -- '<the list as JSON>', or give a kubeconfig file path instead.`,
            });
            return undefined;
        }
        access.kubeconfig = sign !== undefined ? { contents: new SecretString(text) } : { path: text };
    }
    if (access.context === undefined && access.kubeconfig === undefined) {
        reader.problemAt(
            "clusters",
            path,
            "(not shown)",
            "says neither how to reach the cluster (context) nor with what (kubeconfig)",
            `give each cluster a context (in ${fullKey("kubeconfig")} or the default kubeconfig) or its own kubeconfig.`,
        );
        return undefined;
    }
    return access;
}

function accessKey(access: KubernetesAccess): string {
    const kubeconfig = access.kubeconfig === undefined ? "" : "path" in access.kubeconfig ? `path:${access.kubeconfig.path}` : `contents:${access.kubeconfig.contents.reveal()}`;
    return `${kubeconfig}\u0000${access.context ?? ""}`;
}

function readClusterVault(reader: ConfigReader, path: string, entry: Record<string, unknown>, defaultAudience: string | undefined): ClusterModel["vaultKubernetesAuth"] {
    if (entry.vaultKubernetesHost === undefined) {
        reader.problemAt(
            "clusters",
            `${path}.vaultKubernetesHost`,
            undefined,
            `is required by caMode "vault": Vault logs each cluster's signer in against that cluster's API server`,
            `set it to the cluster's API server URL as Vault reaches it, e.g. https://kubernetes.example.com:6443.`,
        );
        return undefined;
    }
    const host = typeof entry.vaultKubernetesHost === "string" ? parseHttpsUrl(entry.vaultKubernetesHost) : undefined;
    if (host === undefined) {
        reader.problemAt(
            "clusters",
            `${path}.vaultKubernetesHost`,
            "(not shown)",
            "is not an https URL of the form https://host[:port] with nothing else",
            "set it to a URL such as https://kubernetes.example.com:6443.",
        );
        return undefined;
    }
    let caCertPem: string | undefined;
    if (entry.vaultKubernetesCaCert !== undefined) {
        const problem = typeof entry.vaultKubernetesCaCert === "string" ? readPemText(entry.vaultKubernetesCaCert) : "it is not text";
        if (problem !== undefined) {
            reader.problemAt(
                "clusters",
                `${path}.vaultKubernetesCaCert`,
                "(PEM, not shown)",
                `is not a PEM certificate bundle: ${problem}`,
                "set it to the PEM CA certificate(s) of the cluster's API server.",
            );
            return undefined;
        }
        caCertPem = entry.vaultKubernetesCaCert as string;
    }
    const apiAudience = entry.vaultKubernetesApiAudience ?? defaultAudience;
    if (apiAudience === undefined) {
        reader.problemAt(
            "clusters",
            `${path}.vaultKubernetesApiAudience`,
            undefined,
            "is required (here or as istio-ca:vaultKubernetesApiAudience): Vault reviews a login token with that same token, which the API server accepts only if it carries one of its audiences",
            `set it to the "aud" of: kubectl --context <cluster> create token default.`,
        );
        return undefined;
    }
    if (typeof apiAudience !== "string" || !checkAudience(apiAudience)) {
        reader.problemAt(
            "clusters",
            `${path}.vaultKubernetesApiAudience`,
            apiAudience,
            "is not an audience (1 to 255 URI characters: no spaces, quotes or backslashes)",
            `set it to the "aud" of a token from: kubectl create token default.`,
        );
        return undefined;
    }
    return { host, caCertPem, apiAudience };
}

/**
 * The fleet, or undefined for a stack of one cluster. Refuses what a fleet cannot share: a root
 * each istiod makes for itself, a root made inside one cluster, and single-cluster access keys.
 */
export function readFleet(
    reader: ConfigReader,
    caMode: CaMode,
    intermediateCa: IntermediateCaSettings,
    certManager: CertManagerSettings | undefined,
    trustDomain: string,
    dataPlane: DataPlane,
): FleetModel | undefined {
    if (!reader.has("clusters")) {
        if (reader.has("meshId"))
            reader.problem(
                "meshId",
                `is only used with ${fullKey("clusters")}`,
                `remove it (pulumi config rm ${fullKey("meshId")}); one cluster takes the trust domain as its mesh ID.`,
            );
        return undefined;
    }
    const entries = readObjectList(reader, "clusters", CLUSTER_FIELDS, EXAMPLE);
    const record = caModeRecord(caMode);
    if (record.rootMaker === "istiod") {
        reader.problem(
            "clusters",
            `needs one root shared by every cluster, but caMode "${caMode}" has each istiod make its own self-signed root, so the clusters would not trust each other`,
            `set ${fullKey("caMode")} to plugin (or cert-manager, kubernetes, vault), or remove ${fullKey("clusters")}.`,
        );
    }
    if (dataPlane === "ambient") {
        reader.problem(
            "clusters",
            `with ${fullKey("dataPlane")} ambient is not supported: a multi-cluster ambient mesh needs settings this program does not make (ztunnel's cluster and network, an east-west gateway that speaks HBONE), and it is not verified here`,
            `set ${fullKey("dataPlane")} sidecar for a multi-cluster mesh, or remove ${fullKey("clusters")} for an ambient mesh in one cluster.`,
        );
    }
    if (certManager?.root === "in-cluster") {
        reader.problem(
            "clusters",
            `needs one root shared by every cluster, but ${fullKey("certManagerRoot")} in-cluster makes the root inside one cluster, where no other can use it`,
            `set ${fullKey("certManagerRoot")} generated (or give an existing root), or remove ${fullKey("clusters")}.`,
        );
    }
    if (reader.has("kubernetesContext")) {
        reader.problem(
            "kubernetesContext",
            `is the context of a single cluster; with ${fullKey("clusters")} each cluster names its own`,
            `remove it and give each entry of ${fullKey("clusters")} a context.`,
        );
    }
    if (record.usesVault) {
        for (const key of ["vaultKubernetesHost", "vaultKubernetesCaCert"].filter((k) => reader.has(k))) {
            reader.problem(
                key,
                `is one API server's; with ${fullKey("clusters")} each cluster's entry gives its own`,
                `move it into the entries of ${fullKey("clusters")} (${key}) and remove it: pulumi config rm ${fullKey(key)}.`,
            );
        }
        if (reader.string("vaultTokenReviewer") === "vault") {
            reader.problem(
                "vaultTokenReviewer",
                `is vault, but Vault's own ServiceAccount can review tokens only of the one cluster Vault runs in; a fleet's other clusters would be refused`,
                `set ${fullKey("vaultTokenReviewer")} client (each login token reviews itself).`,
            );
        }
    }
    if (entries.length === 0 && reader.problems.every((p) => p.key !== fullKey("clusters"))) {
        reader.problem("clusters", "is empty", `list two or more clusters such as ${EXAMPLE}, or remove it for a single cluster.`);
    }
    if (entries.length > 0 && entries.length < MIN_CLUSTERS) {
        reader.problem(
            "clusters",
            `lists ${entries.length} cluster; a fleet has ${MIN_CLUSTERS} or more`,
            `remove ${fullKey("clusters")} for a single cluster (reached through ${fullKey("kubeconfig")} and ${fullKey("kubernetesContext")}), or add the others.`,
        );
    }
    if (entries.length > MAX_CLUSTERS) {
        reader.problem(
            "clusters",
            `lists ${entries.length} clusters; at most ${MAX_CLUSTERS} are taken in one stack`,
            "split the fleet into stacks that share an existing root (existingRootCert).",
        );
        return undefined;
    }

    const clusters: ClusterModel[] = [];
    const names = new Map<string, string>();
    const accesses = new Map<string, string>();
    const defaultAudience = reader.string("vaultKubernetesApiAudience");
    for (const { path, entry } of entries) {
        const name = entry.name;
        if (typeof name !== "string" || !CLUSTER_NAME_RE.test(name)) {
            reader.problemAt(
                "clusters",
                `${path}.name`,
                name,
                "is not a cluster name (lower-case letters, digits and '-', 1 to 32 characters, starting and ending alphanumeric)",
                "name the cluster as Istio will know it, e.g. east.",
            );
            continue;
        }
        if (names.has(name)) {
            reader.problemAt(
                "clusters",
                `${path}.name`,
                name,
                `repeats ${fullKey("clusters")}${names.get(name)}.name; each cluster needs its own name (Istio's clusterName)`,
                "rename one of them.",
            );
            continue;
        }
        names.set(name, path);
        // The intermediate's CN ("istio-ca intermediate", 21 characters) with a name of at most 32 stays within RFC 5280's 64.
        if (clusterIntermediateCommonName(intermediateCa.commonName, name).length > SUBJECT_NAME_MAX)
            throw new Error(`cluster ${name}: intermediate CN over ${SUBJECT_NAME_MAX} characters`);
        let network: string | undefined;
        if (entry.network !== undefined) {
            if (typeof entry.network !== "string" || !NETWORK_RE.test(entry.network)) {
                reader.problemAt(
                    "clusters",
                    `${path}.network`,
                    entry.network,
                    "is not a network name (letters, digits, '.', '_' and '-', up to 63 characters)",
                    "set it to the network the cluster's pods are on, e.g. net-east; clusters on one flat network share it.",
                );
            } else {
                network = entry.network;
            }
        }
        const kubernetes = readClusterAccess(reader, path, entry);
        if (kubernetes) {
            const key = accessKey(kubernetes);
            if (accesses.has(key)) {
                reader.problemAt(
                    "clusters",
                    `${path}.context`,
                    entry.context ?? "(not shown)",
                    `reaches the cluster ${fullKey("clusters")}${accesses.get(key)} reaches: two entries would install two meshes' control planes in one cluster`,
                    "give each entry the context (or kubeconfig) of its own cluster.",
                );
            }
            accesses.set(key, path);
        }
        const vaultFields = ["vaultKubernetesHost", "vaultKubernetesCaCert", "vaultKubernetesApiAudience"].filter((field) => entry[field] !== undefined);
        let vaultKubernetesAuth: ClusterModel["vaultKubernetesAuth"];
        if (record.usesVault) {
            vaultKubernetesAuth = readClusterVault(reader, path, entry, defaultAudience);
        } else {
            for (const field of vaultFields) reader.problemAt("clusters", `${path}.${field}`, "(not shown)", `is only used by caMode "vault", not "${caMode}"`, "remove it.");
        }
        if (kubernetes) clusters.push({ name, kubernetes, ...(network ? { network } : {}), ...(vaultKubernetesAuth ? { vaultKubernetesAuth } : {}) });
    }
    const meshId = reader.stringOr("meshId", trustDomain);
    if (!NETWORK_RE.test(meshId)) {
        reader.problem(
            "meshId",
            "is not a mesh ID (letters, digits, '.', '_' and '-', up to 63 characters)",
            `set it to a name such as mesh1; every cluster of the mesh shares it.`,
        );
    }
    return { meshId, clusters };
}
