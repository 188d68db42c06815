/** Validates any custom resource the program emits against the CRD facts of its API group. */
import { validateCustomResource as validateCertManagerResource } from "./crdFacts";
import { validateCustomResource as validateMeshResource } from "./meshCrdFacts";

const CERT_MANAGER_GROUPS = /^(cert-manager\.io|trust\.cert-manager\.io|policy\.cert-manager\.io)\//;

export function validateAnyCustomResource(object: Record<string, any>): string[] {
    return CERT_MANAGER_GROUPS.test(String(object.apiVersion)) ? validateCertManagerResource(object) : validateMeshResource(object);
}

/**
 * True for a Pulumi Kubernetes type token of a custom resource: an API group with a dot that is
 * neither Kubernetes' own (`*.k8s.io`) nor Helm's release type, at any version (`v1`, `v1alpha1`, ...).
 */
export function isCustomResourceType(type: string): boolean {
    const match = /^kubernetes:([a-z0-9-]+(?:\.[a-z0-9-]+)+)\/v\d+(?:(?:alpha|beta)\d+)?:[A-Z]\w*$/.exec(type);
    return match !== null && match[1] !== "helm.sh" && !match[1].endsWith("k8s.io");
}
