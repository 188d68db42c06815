import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { CaCertSettings } from "../src/config";
import { HOUR_MS } from "../src/duration";
import { KeyAlgorithm } from "../src/pki";
import { VAULT_ROOT_MAX_PATH_LENGTH, WorkloadRoleSettings, pkiUrls, vaultKeyParams, workloadRoleArgs } from "../src/vault";

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
}

export interface VaultPkiArgs {
    /** The Vault provider every resource is created with (address, namespace, token). */
    provider: vault.Provider;
    /** Vault address clients use, for the issuing-certificate and CRL URLs, e.g. "https://vault.example.com:8200". */
    address: string;
    /** Path of the root PKI mount, e.g. "pki-istio-root". */
    rootMountPath: string;
    /** Path of the intermediate PKI mount that signs for the mesh, e.g. "pki-istio". */
    intermediateMountPath: string;
    /** Root key, lifetime (milliseconds, whole hours), CN and O. The root is generated inside Vault and never leaves it. */
    root: CaCertSettings;
    /** The intermediate generated inside Vault and signed by the root. */
    intermediate: VaultIntermediateSettings;
    /** Name of the root issuer on the root mount. Default: "istio-root". */
    rootIssuerName?: string;
    /** Name of the intermediate issuer on the intermediate mount. Default: "istio-intermediate". */
    intermediateIssuerName?: string;
    /** A role on the intermediate mount that signs workload leaves (istio-csr delivery). Default: none. */
    workloadRole?: { name: string; settings: WorkloadRoleSettings };
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
    return `${Math.ceil(ms / HOUR_MS)}h`;
}

/**
 * Vault PKI for the mesh: a root mount whose root CA is generated inside Vault (`internal`,
 * protected), and an intermediate mount whose CA is generated inside Vault, signed by the
 * root and set with its issuing CA so the chain is complete. Both mounts publish issuing and
 * CRL URLs and have their default issuer set explicitly. Private keys never leave Vault.
 */
export class VaultPki extends pulumi.ComponentResource {
    readonly rootMount: vault.Mount;
    readonly intermediateMount: vault.Mount;
    /** The root certificate (public PEM). */
    readonly rootCertificatePem: pulumi.Output<string>;
    /** The intermediate certificate signed by the root (public PEM). */
    readonly intermediateCertificatePem: pulumi.Output<string>;
    /** Intermediate then root (public PEM). */
    readonly intermediateChainPem: pulumi.Output<string>;
    /** Path of the intermediate mount (known once it exists). */
    readonly intermediateMountPath: pulumi.Output<string>;
    /** The default-issuer config of the intermediate mount; signing through it needs this done. */
    readonly intermediateDefaultIssuer: vault.pkisecret.SecretBackendConfigIssuers;
    /** The workload role, when requested. */
    readonly workloadRole?: vault.pkisecret.SecretBackendRole;

    constructor(name: string, args: VaultPkiArgs, opts?: pulumi.ComponentResourceOptions) {
        super("istio-ca:vault:VaultPki", name, {}, opts);
        const child = { parent: this, provider: args.provider };
        const rootIssuerName = args.rootIssuerName ?? "istio-root";
        const intermediateIssuerName = args.intermediateIssuerName ?? "istio-intermediate";

        this.rootMount = new vault.Mount(
            `${name}-root-mount`,
            { path: args.rootMountPath, type: "pki", description: "istio-ca root CA", maxLeaseTtlSeconds: seconds(args.root.validityMs), defaultLeaseTtlSeconds: 3600 },
            child,
        );
        const rootKey = vaultKeyParams(args.root.keyAlgorithm);
        // The mesh's trust anchor: its key is generated in Vault and never exported.
        const rootCert = new vault.pkisecret.SecretBackendRootCert(
            `${name}-root`,
            {
                backend: this.rootMount.path,
                type: "internal",
                commonName: args.root.commonName,
                organization: args.root.organization,
                ttl: hoursTtl(args.root.validityMs),
                keyType: rootKey.keyType,
                keyBits: rootKey.keyBits,
                maxPathLength: VAULT_ROOT_MAX_PATH_LENGTH,
                issuerName: rootIssuerName,
                excludeCnFromSans: true,
            },
            { ...child, protect: true },
        );
        const rootUrls = new vault.pkisecret.SecretBackendConfigUrls(`${name}-root-urls`, { backend: this.rootMount.path, ...pkiUrls(args.address, args.rootMountPath) }, child);
        new vault.pkisecret.SecretBackendConfigIssuers(`${name}-root-default-issuer`, { backend: this.rootMount.path, default: rootCert.issuerId, defaultFollowsLatestIssuer: false }, child);

        this.intermediateMount = new vault.Mount(
            `${name}-intermediate-mount`,
            {
                path: args.intermediateMountPath,
                type: "pki",
                description: "istio-ca intermediate CA",
                maxLeaseTtlSeconds: seconds(args.intermediate.validityMs),
                defaultLeaseTtlSeconds: 3600,
            },
            child,
        );
        const intermediateKey = vaultKeyParams(args.intermediate.keyAlgorithm);
        const csr = new vault.pkisecret.SecretBackendIntermediateCertRequest(
            `${name}-intermediate-csr`,
            {
                backend: this.intermediateMount.path,
                type: "internal",
                commonName: args.intermediate.commonName,
                organization: args.intermediate.organization,
                keyType: intermediateKey.keyType,
                keyBits: intermediateKey.keyBits,
                excludeCnFromSans: true,
            },
            child,
        );
        const signed = new vault.pkisecret.SecretBackendRootSignIntermediate(
            `${name}-intermediate`,
            {
                backend: this.rootMount.path,
                issuerRef: rootCert.issuerId,
                csr: csr.csr,
                commonName: args.intermediate.commonName,
                organization: args.intermediate.organization,
                ttl: hoursTtl(args.intermediate.validityMs),
                maxPathLength: args.intermediate.maxPathLength,
                excludeCnFromSans: true,
            },
            // After the root's URLs, so the intermediate carries the root's issuing and CRL URLs.
            { ...child, dependsOn: [rootUrls] },
        );
        // The issuing CA is appended so that Vault returns the whole chain with every signature.
        const setSigned = new vault.pkisecret.SecretBackendIntermediateSetSigned(
            `${name}-intermediate-set-signed`,
            { backend: this.intermediateMount.path, certificate: pulumi.all([signed.certificate, signed.issuingCa]).apply(joinPems) },
            child,
        );
        const intermediateIssuer = new vault.pkisecret.SecretBackendIssuer(
            `${name}-intermediate-issuer`,
            {
                backend: this.intermediateMount.path,
                issuerRef: setSigned.importedIssuers.apply((ids) => ids[0]),
                issuerName: intermediateIssuerName,
                // Refuse (rather than silently shorten) a certificate that would outlive this CA.
                leafNotAfterBehavior: "err",
            },
            child,
        );
        const intermediateUrls = new vault.pkisecret.SecretBackendConfigUrls(
            `${name}-intermediate-urls`,
            { backend: this.intermediateMount.path, ...pkiUrls(args.address, args.intermediateMountPath) },
            child,
        );
        this.intermediateDefaultIssuer = new vault.pkisecret.SecretBackendConfigIssuers(
            `${name}-intermediate-default-issuer`,
            { backend: this.intermediateMount.path, default: intermediateIssuer.issuerId, defaultFollowsLatestIssuer: false },
            // Signing waits for this, so every certificate the intermediate signs carries its URLs.
            { ...child, dependsOn: [intermediateUrls] },
        );

        if (args.workloadRole) {
            this.workloadRole = new vault.pkisecret.SecretBackendRole(
                `${name}-role-${args.workloadRole.name}`,
                { backend: this.intermediateMount.path, name: args.workloadRole.name, issuerRef: "default", ...workloadRoleArgs(args.workloadRole.settings) },
                { ...child, dependsOn: [this.intermediateDefaultIssuer] },
            );
        }

        this.rootCertificatePem = rootCert.certificate.apply((pem) => joinPems([pem]));
        this.intermediateCertificatePem = signed.certificate.apply((pem) => joinPems([pem]));
        this.intermediateChainPem = pulumi.all([signed.certificate, signed.issuingCa]).apply(joinPems);
        this.intermediateMountPath = this.intermediateMount.path;
        this.registerOutputs({ rootCertificatePem: this.rootCertificatePem, intermediateCertificatePem: this.intermediateCertificatePem, intermediateMountPath: this.intermediateMountPath });
    }
}
