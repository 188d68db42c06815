import { ResourceNamer } from "./types";
import * as pulumi from "@pulumi/pulumi";
import { CertManager } from "../components/certManager";
import { IstioCsr, istioCsrAddress } from "../components/istioCsr";
import { IssuancePolicy, istioCsrPolicies } from "../issuancePolicy";
import { MeshIssuance, certManagerController, istioCsrRequester } from "./issuance";
import { MeshTrustBundle } from "../components/meshTrustBundle";
import { TrustManager } from "../components/trustManager";
import { CertManagerSettings, StackModel } from "../config";
import { formatDuration } from "../duration";
import { IstiodCaValues } from "../istioValues";
import { ztunnelNodeAccount } from "../ambient";

export interface IstioCsrDeliveryArgs {
    model: StackModel;
    name: ResourceNamer;
    certManager: CertManager;
    settings: CertManagerSettings;
    /** The cert-manager issuer istio-csr signs every workload certificate through. */
    issuer: { name: string; kind: "Issuer" | "ClusterIssuer" };
    /** The issuer resource; istio-csr starts after it. */
    issuerResource: pulumi.Resource;
    /** Exactly the trusted roots (PEM): istio-csr verifies every issued chain against them and hands them to workloads. */
    trustBundle: pulumi.Input<string>;
    /** The strategy's own istiod values (multi-root settings, trust anchors). */
    ca: IstiodCaValues;
    /** What approves the mesh's requests (istio-csr's included); empty with `certManagerApproval: auto`. */
    issuance: MeshIssuance;
    /** Options of every component (the explicit Kubernetes provider). */
    opts: pulumi.ComponentResourceOptions;
}

/** The policies of istio-csr's requests through `issuer` (see `istioCsrPolicies`). */
export function istioCsrRequestPolicies(model: StackModel, issuer: IssuancePolicy["issuer"]): IssuancePolicy[] {
    return istioCsrPolicies({
        issuer,
        namespace: model.istio.namespace,
        trustDomain: model.trustDomain,
        maxWorkloadDurationMs: model.workloadCerts.maxTtlMs,
        istioCsr: istioCsrRequester(model),
        certManager: certManagerController(model),
        servingDnsName: istioCsrAddress(model.certManager!.namespace).replace(/:\d+$/, ""),
        istioNamespace: model.istio.namespace,
    });
}

/**
 * The istio-csr delivery shared by the cert-manager and Vault strategies: trust-manager with a
 * program-owned root bundle, istio-csr on the given issuer, and istiod with its CA server off,
 * pointing proxies at istio-csr.
 */
export function deliverThroughIstioCsr(args: IstioCsrDeliveryArgs): { ca: IstiodCaValues; istiodDependsOn: pulumi.Resource[] } {
    const { model, name, certManager, settings, opts } = args;
    const trustManager = new TrustManager(
        name("trust-manager"),
        {
            certManager,
            namespace: certManager.namespaceName,
            version: settings.trustManagerVersion,
            serviceMonitor: settings.serviceMonitor,
            approverPolicy: args.issuance.approverPolicy,
        },
        opts,
    );
    const bundle = new MeshTrustBundle(
        name("mesh-trust"),
        {
            trustNamespace: certManager.namespaceName,
            rootsPem: args.trustBundle,
            trustManager: trustManager.release,
            // Only istio-csr reads this bundle; workloads get `istio-ca-root-cert` from istio-csr.
            targetNamespaces: [settings.namespace],
        },
        opts,
    );
    const istioCsr = new IstioCsr(
        name("istio-csr"),
        {
            namespace: certManager.namespaceName,
            version: settings.istioCsrVersion,
            issuer: args.issuer,
            certificateRequestNamespace: model.istio.namespace,
            istioNamespace: model.istio.namespace,
            trustDomain: model.trustDomain,
            maxCertificateDuration: formatDuration(model.workloadCerts.maxTtlMs),
            rootCaConfigMap: bundle.bundleName,
            // ztunnel requests each local workload's certificate with its own token (impersonation).
            caTrustedNodeAccounts: model.dataPlane === "ambient" ? [ztunnelNodeAccount(model.istio.namespace)] : undefined,
            dependsOn: [certManager.release, args.issuerResource, bundle.bundle, ...args.issuance.ready],
        },
        opts,
    );
    return {
        ca: { ...args.ca, global: { ...args.ca.global, caAddress: istioCsrAddress(settings.namespace) }, env: { ...args.ca.env, ENABLE_CA_SERVER: "false" } },
        istiodDependsOn: [istioCsr.release],
    };
}
