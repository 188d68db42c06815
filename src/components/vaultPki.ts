import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { CaCertSettings } from "../config";
import { toHoursCeil } from "../duration";
import { KeyAlgorithm } from "../pki";
import { DEFAULT_ROOT_NAME } from "../rotation";
import { VAULT_ROOT_MAX_PATH_LENGTH, WorkloadRoleSettings, pkiUrls, vaultKeyParams, workloadRoleArgs } from "../vault";
import { vaultIntermediateNaming, vaultRootNaming } from "../vaultRotation";

/** The Vault intermediate CA that signs for the mesh. */
export interface VaultIntermediateSettings {
    /** Key generated inside Vault for the intermediate. */
    keyAlgorithm: KeyAlgorithm;
    /** Lifetime, milliseconds (whole hours). Also the intermediate mount's max lease TTL. */
    validityMs: number;
    /** Subject CN of the intermediate. */
    commonName: string;
    /** Subject O of the intermediate. */
    organization: string;
    /** Path length constraint: 1 when it signs istiod's CA, 0 when it signs leaves. */
    maxPathLength: number;
    /**
     * Generation (1, 2, ...). A new generation renews the intermediate: new key, new issuer, made the
     * mount's default; the previous generation's issuer is left in Vault. Default: 1.
     */
    generation?: number;
}

/** Args of VaultPki; pass the Vault provider (address, namespace, token) as the `providers` resource option. */
export interface VaultPkiArgs {
    /** Vault address clients use, for the issuing-certificate and CRL URLs, e.g. "https://vault.example.com:8200". */
    address: string;
    /** Path of the root PKI mount, e.g. "pki-istio-root". */
    rootMountPath: string;
    /** Path of the intermediate PKI mount that signs for the mesh, e.g. "pki-istio". */
    intermediateMountPath: string;
    /** Key, lifetime (milliseconds, whole hours), CN and O of every root. Roots are generated inside Vault and never leave it. */
    root: CaCertSettings;
    /** Settings of particular roots, by name, instead of `root` (a root made earlier keeps its own). Default: none. */
    rootSettings?: Record<string, CaCertSettings>;
    /**
     * Names of the roots, each a protected issuer of the root mount (named and CN-suffixed by the
     * root's name; `primary` keeps the issuer "istio-root" and the plain CN). Default: ["primary"].
     */
    roots?: string[];
    /** The root whose issuer signs the intermediate and is the root mount's default. Default: the first of `roots`. */
    signingRoot?: string;
    /** The intermediate generated inside Vault and signed by the signing root. */
    intermediate: VaultIntermediateSettings;
    /** A role on the intermediate mount that signs workload leaves (istio-csr delivery). Default: none. */
    workloadRole?: { name: string; settings: WorkloadRoleSettings };
    /**
     * A fleet's clusters: one intermediate mount per cluster (`<intermediateMountPath>-<cluster>`), each
     * with its own intermediate (CN suffixed by the cluster's name) signed by the signing root, and
     * its own workload role. Default: none (one intermediate mount, `intermediateMountPath`).
     */
    clusters?: string[];
}

/** One intermediate mount and the intermediate that signs through it. */
export interface VaultIntermediate {
    /** The cluster it signs for, in a fleet; undefined for the one intermediate of a single cluster. */
    cluster?: string;
    /** Path of its mount. */
    mountPath: string;
    mount: vault.Mount;
    /** The mount's default-issuer config; signing through the mount needs this done. */
    defaultIssuer: vault.pkisecret.SecretBackendConfigIssuers;
    /** The intermediate certificate (public PEM). */
    certificatePem: pulumi.Output<string>;
    /** The workload role, when requested. */
    workloadRole?: vault.pkisecret.SecretBackendRole;
}

/** PEM blocks one after another, each ending in a newline (Vault returns them without one). */
function joinPems(pems: string[]): string {
    return pems.map((pem) => pem.trim() + "\n").join("");
}

function seconds(ms: number): number {
    return Math.ceil(ms / 1000);
}

/** Vault TTL in whole hours, the unit lifetimes are configured in. */
function hoursTtl(ms: number): string {
    return `${toHoursCeil(ms)}h`;
}

/**
 * Vault PKI for the mesh: a root mount with one or more root CAs generated inside Vault
 * (`internal`, protected, one issuer each, kept across rotation phases), and an intermediate
 * mount whose CA is generated inside Vault, signed by the signing root's issuer and set with its
 * issuing CA so the chain is complete. The intermediate's resources are named by its signing root,
 * so a new signing root brings a new intermediate; both mounts' default issuers follow the signing
 * root. Both mounts publish issuing and CRL URLs. Private keys never leave Vault.
 */
export class VaultPki extends pulumi.ComponentResource {
    readonly rootMount: vault.Mount;
    readonly intermediateMount: vault.Mount;
    /** Certificate (public PEM) of each root, by name. */
    readonly rootCertificates: Record<string, pulumi.Output<string>> = {};
    /** Issuer id of each root in the root mount, by name. */
    readonly rootIssuerIds: Record<string, pulumi.Output<string>> = {};
    /** The signing root's certificate (public PEM). */
    readonly rootCertificatePem: pulumi.Output<string>;
    /** The intermediate certificate signed by the signing root (public PEM). */
    readonly intermediateCertificatePem: pulumi.Output<string>;
    /** Path of the intermediate mount (known once it exists). */
    readonly intermediateMountPath: pulumi.Output<string>;
    /** The default-issuer config of the intermediate mount; signing through it needs this done. */
    readonly intermediateDefaultIssuer: vault.pkisecret.SecretBackendConfigIssuers;
    /** The workload role, when requested. */
    readonly workloadRole?: vault.pkisecret.SecretBackendRole;
    /** Every intermediate: the one of a single cluster, or one per cluster of `clusters`, in that order. */
    readonly intermediates: VaultIntermediate[];

    constructor(name: string, args: VaultPkiArgs, opts?: pulumi.ComponentResourceOptions) {
        super("istio-ca:vault:VaultPki", name, {}, opts);
        const child = { parent: this };
        const roots = args.roots ?? [DEFAULT_ROOT_NAME];
        const signingRoot = args.signingRoot ?? roots[0];
        if (roots.length === 0 || new Set(roots).size !== roots.length) throw new Error(`VaultPki ${name}: roots must be distinct names, got ${JSON.stringify(roots)}`);
        if (!roots.includes(signingRoot)) throw new Error(`VaultPki ${name}: signing root ${signingRoot} is not one of ${JSON.stringify(roots)}`);

        this.rootMount = new vault.Mount(
            `${name}-root-mount`,
            {
                path: args.rootMountPath,
                type: "pki",
                description: "istio-ca root CA",
                maxLeaseTtlSeconds: seconds(Math.max(...roots.map((root) => (args.rootSettings?.[root] ?? args.root).validityMs))),
                defaultLeaseTtlSeconds: 3600,
            },
            child,
        );
        const rootUrls = new vault.pkisecret.SecretBackendConfigUrls(`${name}-root-urls`, { backend: this.rootMount.path, ...pkiUrls(args.address, args.rootMountPath) }, child);
        for (const root of roots) {
            const settings = args.rootSettings?.[root] ?? args.root;
            const rootKey = vaultKeyParams(settings.keyAlgorithm);
            const naming = vaultRootNaming(root, settings.commonName);
            // The mesh's trust anchors: keys generated in Vault and never exported.
            const rootCert = new vault.pkisecret.SecretBackendRootCert(
                `${name}-root${naming.resourceSuffix}`,
                {
                    backend: this.rootMount.path,
                    type: "internal",
                    commonName: naming.commonName,
                    organization: settings.organization,
                    ttl: hoursTtl(settings.validityMs),
                    keyType: rootKey.keyType,
                    keyBits: rootKey.keyBits,
                    maxPathLength: VAULT_ROOT_MAX_PATH_LENGTH,
                    issuerName: naming.issuerName,
                    excludeCnFromSans: true,
                },
                { ...child, protect: true },
            );
            this.rootCertificates[root] = rootCert.certificate.apply((pem) => joinPems([pem]));
            this.rootIssuerIds[root] = rootCert.issuerId;
        }
        new vault.pkisecret.SecretBackendConfigIssuers(
            `${name}-root-default-issuer`,
            { backend: this.rootMount.path, default: this.rootIssuerIds[signingRoot], defaultFollowsLatestIssuer: false },
            child,
        );

        this.intermediates = (args.clusters ?? [undefined]).map((cluster) => this.intermediate(name, args, signingRoot, rootUrls, cluster));
        const first = this.intermediates[0];
        this.intermediateMount = first.mount;
        this.intermediateDefaultIssuer = first.defaultIssuer;
        this.workloadRole = first.workloadRole;

        this.rootCertificatePem = this.rootCertificates[signingRoot];
        this.intermediateCertificatePem = first.certificatePem;
        this.intermediateMountPath = this.intermediateMount.path;
        this.registerOutputs({
            rootCertificates: this.rootCertificates,
            rootCertificatePem: this.rootCertificatePem,
            intermediateCertificatePem: this.intermediateCertificatePem,
            intermediateMountPath: this.intermediateMountPath,
        });
    }

    /**
     * An intermediate mount with its intermediate, generated in Vault and signed by the signing
     * root's issuer. A cluster's resources and mount path carry its name; a single cluster's keep the
     * names of stacks made before fleets.
     */
    private intermediate(name: string, args: VaultPkiArgs, signingRoot: string, rootUrls: vault.pkisecret.SecretBackendConfigUrls, cluster: string | undefined): VaultIntermediate {
        const child = { parent: this };
        const prefix = cluster === undefined ? name : `${name}-${cluster}`;
        const mountPath = cluster === undefined ? args.intermediateMountPath : `${args.intermediateMountPath}-${cluster}`;
        const settings = cluster === undefined ? args.intermediate : { ...args.intermediate, commonName: `${args.intermediate.commonName} ${cluster}` };
        const mount = new vault.Mount(
            `${prefix}-intermediate-mount`,
            {
                path: mountPath,
                type: "pki",
                description: "istio-ca intermediate CA",
                maxLeaseTtlSeconds: seconds(settings.validityMs),
                defaultLeaseTtlSeconds: 3600,
            },
            child,
        );
        const intermediateNaming = vaultIntermediateNaming(signingRoot, settings.commonName, settings.generation ?? 1);
        const intermediateName = `${prefix}-intermediate${intermediateNaming.resourceSuffix}`;
        const intermediateKey = vaultKeyParams(settings.keyAlgorithm);
        const csr = new vault.pkisecret.SecretBackendIntermediateCertRequest(
            `${intermediateName}-csr`,
            {
                backend: mount.path,
                type: "internal",
                commonName: intermediateNaming.commonName,
                organization: settings.organization,
                keyType: intermediateKey.keyType,
                keyBits: intermediateKey.keyBits,
                excludeCnFromSans: true,
            },
            child,
        );
        const signed = new vault.pkisecret.SecretBackendRootSignIntermediate(
            intermediateName,
            {
                backend: this.rootMount.path,
                // Pinned to the signing root's issuer, whatever the mount's default is.
                issuerRef: this.rootIssuerIds[signingRoot],
                csr: csr.csr,
                commonName: intermediateNaming.commonName,
                organization: settings.organization,
                ttl: hoursTtl(settings.validityMs),
                maxPathLength: settings.maxPathLength,
                excludeCnFromSans: true,
            },
            // After the root's URLs, so the intermediate carries the root's issuing and CRL URLs.
            { ...child, dependsOn: [rootUrls] },
        );
        // The issuing CA is appended so that Vault returns the whole chain with every signature.
        const setSigned = new vault.pkisecret.SecretBackendIntermediateSetSigned(
            `${intermediateName}-set-signed`,
            { backend: mount.path, certificate: pulumi.all([signed.certificate, signed.issuingCa]).apply(joinPems) },
            child,
        );
        const intermediateIssuer = new vault.pkisecret.SecretBackendIssuer(
            `${intermediateName}-issuer`,
            {
                backend: mount.path,
                issuerRef: setSigned.importedIssuers.apply((ids) => ids[0]),
                issuerName: intermediateNaming.issuerName,
                // Refuse (rather than silently shorten) a certificate that would outlive this CA.
                leafNotAfterBehavior: "err",
            },
            {
                ...child,
                // issuer_ref is not ForceNew upstream: an in-place change would keep patching the old issuer.
                replaceOnChanges: ["issuerRef"],
                // Deleting this resource deletes the issuer in Vault (resource_pki_secret_backend_issuer.go,
                // Delete). A renewed or re-rooted intermediate leaves the old issuer in Vault instead, so that
                // the chains it signed keep their issuer and CRL until they expire (Vault's tidy with
                // tidy_expired_issuers removes it after expiry).
                retainOnDelete: true,
            },
        );
        const intermediateUrls = new vault.pkisecret.SecretBackendConfigUrls(`${prefix}-intermediate-urls`, { backend: mount.path, ...pkiUrls(args.address, mountPath) }, child);
        // Signing through the mount (`root/sign-intermediate`, roles with issuer "default") uses the
        // intermediate of the signing root from the update that makes it the default.
        const defaultIssuer = new vault.pkisecret.SecretBackendConfigIssuers(
            `${prefix}-intermediate-default-issuer`,
            { backend: mount.path, default: intermediateIssuer.issuerId, defaultFollowsLatestIssuer: false },
            // Signing waits for this, so every certificate the intermediate signs carries its URLs.
            { ...child, dependsOn: [intermediateUrls] },
        );

        let workloadRole: vault.pkisecret.SecretBackendRole | undefined;
        if (args.workloadRole) {
            workloadRole = new vault.pkisecret.SecretBackendRole(
                `${prefix}-role-${args.workloadRole.name}`,
                { backend: mount.path, name: args.workloadRole.name, issuerRef: "default", ...workloadRoleArgs(args.workloadRole.settings) },
                { ...child, dependsOn: [defaultIssuer] },
            );
        }
        return {
            ...(cluster === undefined ? {} : { cluster }),
            mountPath,
            mount,
            defaultIssuer,
            certificatePem: signed.certificate.apply((pem) => joinPems([pem])),
            ...(workloadRole ? { workloadRole } : {}),
        };
    }
}
