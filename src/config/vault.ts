/** Settings of the `vault` CA mode. */
import { caModeRecord, modesWhere, quotedModes } from "../caModes";
import { formatDuration } from "../duration";
import { KEY_ALGORITHMS, PEM_BUNDLE_MAX_CHARS, scanPem } from "../pki";
import { DEFAULT_ROOT_NAME } from "../rotation";
import { VaultDelivery } from "../vault";
import { DEFAULT_ROOT_ISSUER_NAME, VAULT_RESERVED_ROOT_NAMES } from "../vaultRotation";
import { CA_LIFETIME_LIMIT } from "./ca";
import { CaMode } from "./keys";
import {
    CaCertSettings,
    IntermediateCaSettings,
    MAX_VAULT_INTERMEDIATE_GENERATION,
    MAX_VAULT_PROVIDER_TOKEN_TTL_MS,
    MAX_VAULT_TOKEN_TTL_MS,
    MIN_VAULT_PROVIDER_TOKEN_TTL_MS,
    MIN_VAULT_TOKEN_TTL_MS,
    VAULT_KEYS,
    VAULT_PATH_RE,
    VAULT_RESERVED_MOUNTS,
    VAULT_TOKEN_REVIEWERS,
    VaultSettings,
    WorkloadCertSettings,
} from "./model";
import { ConfigReader, RawConfig, fullKey } from "./reader";
import { X509Certificate } from "crypto";

/** ASCII host (a name, an IPv4 address or a bracketed IPv6 one) and optional port, then at most one "/". */
const STRICT_HTTPS_URL_RE = /^https:\/\/[A-Za-z0-9.\-[\]:]+\/?$/;

/**
 * An `https://host[:port]` URL with nothing after the authority, as its normalised origin, or
 * undefined with a problem. The text must already be in that form (no whitespace, backslash,
 * path, query or fragment): WHATWG URL parsing forgives what Go's url.Parse, in the providers and
 * Vault, does not. A URL with a user name, query or fragment is never quoted: it may carry a token.
 */
export function readHttpsUrl(reader: ConfigReader, key: string, example: string): string | undefined {
    const text = reader.string(key);
    if (text === undefined) {
        reader.problem(key, `is required by caMode "vault"`, `set it: pulumi config set ${fullKey(key)} ${example}`);
        return undefined;
    }
    if (text.includes("@")) {
        // The URL goes into the ClusterIssuer, the provider and every certificate's issuing URLs: never echo it.
        reader.problems.push({
            key: fullKey(key),
            value: "(URL with credentials, not shown)",
            message: "holds a user name or password; it would be copied into the ClusterIssuer, the Vault provider and the issuing and CRL URLs of every certificate",
            fix: `set ${fullKey(key)} to a URL without credentials, such as ${example}; give the token as ${fullKey("vaultToken")} (--secret) or VAULT_TOKEN.`,
        });
        return undefined;
    }
    const origin = parseHttpsUrl(text);
    if (origin === undefined) {
        reader.problems.push({
            key: fullKey(key),
            value: /[?#]/.test(text) ? "(URL with a query or fragment, not shown)" : reader.shown(key),
            message:
                "is not an https URL of the form https://host[:port] with nothing else: no path, query, fragment, whitespace or backslash (tokens and certificates must not cross the network in clear text)",
            fix: `set ${fullKey(key)} to a URL such as ${example}.`,
        });
        return undefined;
    }
    return origin;
}

/** The origin of an `https://host[:port]` URL with nothing else, or undefined. */
export function parseHttpsUrl(text: string): string | undefined {
    const url = STRICT_HTTPS_URL_RE.test(text) ? parsedUrl(text) : undefined;
    if (!url || url.protocol !== "https:" || !url.hostname || url.pathname !== "/" || url.search || url.hash || url.username || url.password) return undefined;
    return url.origin;
}

/** Whether a text can be a token audience: 1 to 255 URI characters. */
export function checkAudience(audience: string): boolean {
    return /^[A-Za-z0-9._~:/?#@!$&()*+,;=%[\]-]{1,255}$/.test(audience);
}

function parsedUrl(text: string): URL | undefined {
    try {
        return new URL(text);
    } catch {
        return undefined;
    }
}

/** Why a text is not a bundle of PEM certificates (and nothing else), or undefined. */
export function readPemText(text: string): string | undefined {
    if (text.length > PEM_BUNDLE_MAX_CHARS) return `it is ${text.length} characters long, more than the ${PEM_BUNDLE_MAX_CHARS} taken for a CA bundle`;
    const scan = scanPem(text);
    const pems = scan.blocks.filter((block) => block.label === "CERTIFICATE").map((block) => block.pem + "\n");
    return pems.length === 0
        ? "it holds no PEM certificate"
        : /PRIVATE KEY/.test(text)
          ? "it holds a private key, which must never be in this key (it is not a secret)"
          : scan.otherText || scan.blocks.length !== pems.length
            ? "it holds text besides the PEM certificates"
            : pems.map((pem) => checkCertificatePem(pem)).find((why) => why !== undefined);
}

export function readPemBundle(reader: ConfigReader, key: string): string | undefined {
    const text = reader.string(key);
    if (text === undefined) return undefined;
    if (text.length > PEM_BUNDLE_MAX_CHARS) {
        reader.problem(
            key,
            `is ${text.length} characters long, more than the ${PEM_BUNDLE_MAX_CHARS} taken for a CA bundle`,
            `set ${fullKey(key)} to only the CA certificate(s) that sign the server's certificate: pulumi config set ${fullKey(key)} -- "$(cat ca.pem)".`,
        );
        return text;
    }
    const bad = readPemText(text);
    if (bad)
        reader.problem(key, `is not a PEM certificate bundle: ${bad}`, `set ${fullKey(key)} to the PEM CA certificate(s): pulumi config set ${fullKey(key)} -- "$(cat ca.pem)".`);
    return text;
}

export function checkCertificatePem(pem: string): string | undefined {
    try {
        new X509Certificate(pem);
        return undefined;
    } catch (err) {
        return (err as Error).message;
    }
}

export function readMountPath(reader: ConfigReader, key: string, fallback: string): string {
    const path = reader.stringOr(key, fallback);
    if (!VAULT_PATH_RE.test(path)) {
        reader.problem(
            key,
            "is not a Vault mount path (letters, digits, '-' and '_' in '/'-separated segments, no leading or trailing '/')",
            `set ${fullKey(key)} to a path such as "${fallback}".`,
        );
    } else if (VAULT_RESERVED_MOUNTS.includes(path.split("/")[0])) {
        reader.problem(key, `starts with "${path.split("/")[0]}/", which Vault reserves`, `set ${fullKey(key)} to a path such as "${fallback}".`);
    }
    return path;
}

export function readVault(
    reader: ConfigReader,
    raw: RawConfig,
    caMode: CaMode,
    rootCa: CaCertSettings,
    intermediateCa: IntermediateCaSettings,
    workloadCerts: WorkloadCertSettings,
    delivery: VaultDelivery,
    roots: string[] = [],
    /** A fleet (`clusters`): each cluster's entry gives its API server and audience. */
    fleet = false,
): VaultSettings | undefined {
    if (!caModeRecord(caMode).usesVault) {
        for (const key of VAULT_KEYS.filter((k) => reader.has(k))) {
            reader.problem(
                key,
                `is only used by caMode ${quotedModes(modesWhere((mode) => mode.usesVault))}, not "${caMode}"`,
                `remove it (pulumi config rm ${fullKey(key)}), or set ${fullKey("caMode")} to vault.`,
            );
        }
        return undefined;
    }
    // Each root is a Vault issuer named after it.
    const reserved = roots.filter((root) => (VAULT_RESERVED_ROOT_NAMES as readonly string[]).includes(root));
    if (reserved.length > 0) {
        reader.problem(
            "roots",
            `names a root ${reserved.map((r) => JSON.stringify(r)).join(", ")}, which cannot name a Vault issuer here ("default" is reserved by Vault, "${DEFAULT_ROOT_ISSUER_NAME}" is the issuer of the root "${DEFAULT_ROOT_NAME}")`,
            "use another name, such as r2027.",
        );
    }
    const address = readHttpsUrl(reader, "vaultAddress", "https://vault.example.com:8200");
    const namespace = reader.string("vaultNamespace");
    if (namespace !== undefined && !VAULT_PATH_RE.test(namespace)) {
        reader.problem(
            "vaultNamespace",
            "is not a Vault namespace path ('/'-separated names, no leading or trailing '/')",
            `set ${fullKey("vaultNamespace")} to a namespace such as "platform/mesh", or remove it for the root namespace.`,
        );
    }
    const configToken = reader.secret("vaultToken", { holds: "holds a Vault token", value: '"$VAULT_TOKEN"' });
    if (configToken === undefined && !raw.environmentVaultToken && raw.deploying) {
        reader.problem(
            "vaultToken",
            "is unset and VAULT_TOKEN is not in the environment, but the Vault provider needs a token with rights to configure PKI mounts, policies and auth",
            `export VAULT_TOKEN (e.g. after "vault login"), or run: pulumi config set --secret ${fullKey("vaultToken")} -- "$VAULT_TOKEN". The offline plan needs neither.`,
        );
    }
    const rootMountPath = readMountPath(reader, "vaultRootMountPath", "pki-istio-root");
    const intermediateMountPath = readMountPath(reader, "vaultIntermediateMountPath", "pki-istio");
    if (rootMountPath === intermediateMountPath) {
        reader.problem(
            "vaultIntermediateMountPath",
            `is the same mount as ${fullKey("vaultRootMountPath")}; the root and the intermediate need a mount each`,
            `set ${fullKey("vaultIntermediateMountPath")} to another path, e.g. "pki-istio".`,
        );
    } else if (`${intermediateMountPath}/`.startsWith(`${rootMountPath}/`) || `${rootMountPath}/`.startsWith(`${intermediateMountPath}/`)) {
        // vault/mount.go mountInternal: "path is already in use at <path>/" for a mount under another.
        reader.problem(
            "vaultIntermediateMountPath",
            `nests with ${fullKey("vaultRootMountPath")} ("${rootMountPath}"); Vault refuses a mount under another mount`,
            `use two sibling paths, e.g. "pki-istio-root" and "pki-istio".`,
        );
    }
    const intermediate = {
        keyAlgorithm: reader.oneOf("vaultIntermediateKeyAlgorithm", KEY_ALGORITHMS, "ECDSA-P256"),
        validityMs: reader.duration("vaultIntermediateValidity", "43800h", { wholeHours: true, max: CA_LIFETIME_LIMIT }),
        generation: reader.integer("vaultIntermediateGeneration", 1, 1, MAX_VAULT_INTERMEDIATE_GENERATION),
    };
    if (intermediate.validityMs > rootCa.validityMs) {
        reader.problem(
            "vaultIntermediateValidity",
            `the Vault intermediate would outlive its root (${formatDuration(rootCa.validityMs)})`,
            `set ${fullKey("vaultIntermediateValidity")} to at most ${fullKey("rootValidity")} (${formatDuration(rootCa.validityMs)}).`,
        );
    }
    const signed =
        delivery === "cacerts"
            ? { key: "intermediateValidity", ms: intermediateCa.validityMs, what: "istiod's CA certificate" }
            : { key: "maxWorkloadCertTtl", ms: workloadCerts.maxTtlMs, what: "the longest workload certificate" };
    if (intermediate.validityMs <= signed.ms) {
        reader.problem(
            "vaultIntermediateValidity",
            `${formatDuration(intermediate.validityMs)} is not longer than ${signed.what} (${fullKey(signed.key)} = ${formatDuration(signed.ms)}); Vault refuses to sign a certificate that outlives its issuer`,
            `raise ${fullKey("vaultIntermediateValidity")} well above ${formatDuration(signed.ms)} (e.g. "43800h"), or lower ${fullKey(signed.key)}.`,
        );
    }
    const authPath = readMountPath(reader, "vaultKubernetesAuthPath", "kubernetes-istio");
    const host = fleet ? undefined : readHttpsUrl(reader, "vaultKubernetesHost", "https://kubernetes.example.com:6443");
    const tokenReviewer = reader.oneOf("vaultTokenReviewer", VAULT_TOKEN_REVIEWERS, "client");
    const apiAudience = reader.string("vaultKubernetesApiAudience");
    if (tokenReviewer === "client" && apiAudience === undefined && !fleet) {
        reader.problem(
            "vaultKubernetesApiAudience",
            "is required with vaultTokenReviewer client: Vault reviews a login token by calling the API server with that same token, which the API server accepts only if the token also carries one of its audiences",
            `set it to an audience of your API server (the "aud" of: kubectl create token default), e.g. pulumi config set ${fullKey("vaultKubernetesApiAudience")} https://kubernetes.default.svc.cluster.local; or set ${fullKey("vaultTokenReviewer")} to vault if Vault runs in this cluster.`,
        );
    } else if (tokenReviewer === "vault" && apiAudience !== undefined) {
        reader.problem(
            "vaultKubernetesApiAudience",
            "is only used with vaultTokenReviewer client; with the vault reviewer the signer's tokens carry only the Vault audience",
            `remove it: pulumi config rm ${fullKey("vaultKubernetesApiAudience")}.`,
        );
    } else if (apiAudience !== undefined && !checkAudience(apiAudience)) {
        reader.problem(
            "vaultKubernetesApiAudience",
            "is not an audience (1 to 255 URI characters: no spaces, quotes or backslashes)",
            `set it to the "aud" of a token from: kubectl create token default.`,
        );
    }
    const tokenTtlMs = reader.duration("vaultTokenTtl", "10m");
    if (tokenTtlMs < MIN_VAULT_TOKEN_TTL_MS || tokenTtlMs > MAX_VAULT_TOKEN_TTL_MS) {
        reader.problem(
            "vaultTokenTtl",
            `must be between 1m and 1h: the signer logs in for each signing, so its token should expire soon after`,
            `set ${fullKey("vaultTokenTtl")} to a value such as "10m".`,
        );
    }
    const providerTokenTtlMs = reader.duration("vaultProviderTokenTtl", "2h");
    if (providerTokenTtlMs < MIN_VAULT_PROVIDER_TOKEN_TTL_MS || providerTokenTtlMs > MAX_VAULT_PROVIDER_TOKEN_TTL_MS) {
        reader.problem(
            "vaultProviderTokenTtl",
            "must be between 20m and 24h: the Vault provider's child token must outlive the whole update, including deletes at its end",
            `set ${fullKey("vaultProviderTokenTtl")} to a value such as "2h", no longer than your Vault token's TTL.`,
        );
    }
    return {
        address: address ?? "",
        namespace,
        token: configToken,
        providerTokenTtlMs,
        caBundlePem: readPemBundle(reader, "vaultCaBundle"),
        rootMountPath,
        intermediateMountPath,
        intermediate,
        kubernetesAuth: {
            path: authPath,
            host: host ?? "",
            caCertPem: readPemBundle(reader, "vaultKubernetesCaCert"),
            tokenReviewer,
            apiAudience,
            tokenTtlMs,
        },
    };
}
