import { ResourceNamer } from "./types";
import * as pulumi from "@pulumi/pulumi";
import { ApproverPolicy } from "../components/approverPolicy";
import { CertManager } from "../components/certManager";
import { IssuancePolicies } from "../components/issuancePolicies";
import { IntermediateCaSettings, StackModel } from "../config";
import { CaCertificateRequest, IssuancePolicy, Requester, caCertificatePolicy } from "../issuancePolicy";

/** cert-manager's controller ServiceAccount (release "cert-manager"): it creates the requests of every Certificate. */
export function certManagerController(model: StackModel): Requester {
    return { namespace: model.certManager!.namespace, name: "cert-manager" };
}

/** istio-csr's ServiceAccount (chart `cert-manager-istio-csr`), which requests workload and serving certificates. */
export function istioCsrRequester(model: StackModel): Requester {
    return { namespace: model.certManager!.namespace, name: "cert-manager-istio-csr" };
}

/** The policy of a CA Certificate made from the intermediate settings (cacerts, istio-csr's intermediate, the CSR signer's). */
export function intermediatePolicy(
    model: StackModel,
    name: string,
    request: { issuer: CaCertificateRequest["issuer"]; namespace: string; intermediate: IntermediateCaSettings },
): IssuancePolicy {
    const { intermediate } = request;
    return caCertificatePolicy({
        name,
        issuer: request.issuer,
        namespace: request.namespace,
        commonName: intermediate.commonName,
        organization: intermediate.organization,
        durationMs: intermediate.validityMs,
        keyAlgorithm: intermediate.keyAlgorithm,
        requester: certManagerController(model),
    });
}

/** What approves the mesh's requests: empty with `certManagerApproval: auto`. */
export interface MeshIssuance {
    /** The approver-policy release, for charts that create policies of their own (trust-manager). */
    approverPolicy?: pulumi.Resource;
    /** What a Certificate must wait for to be approved. */
    ready: pulumi.Resource[];
}

/**
 * With `certManagerApproval: policy`, installs approver-policy and the CertificateRequestPolicies of
 * exactly the mesh's requests; the cert-manager release must be installed with `disableAutoApproval`.
 */
export function approveMeshIssuance(
    model: StackModel,
    name: ResourceNamer,
    certManager: CertManager,
    policies: IssuancePolicy[],
    opts: pulumi.ComponentResourceOptions,
    dependsOn: pulumi.Input<pulumi.Resource>[] = [],
): MeshIssuance {
    const settings = model.certManager!;
    if (settings.approval !== "policy") return { ready: [] };
    const approver = new ApproverPolicy(name("approver-policy"), { certManager, namespace: certManager.namespaceName, version: settings.approverPolicyVersion }, opts);
    const issuance = new IssuancePolicies(name("mesh-issuance"), { policies, approverPolicy: approver.release, dependsOn: [certManager.namespace, ...dependsOn] }, opts);
    return { approverPolicy: approver.release, ready: issuance.resources };
}
