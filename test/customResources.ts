/** Validates any custom resource the program emits against the CRD facts of its API group. */
import { validateCustomResource as validateCertManagerResource } from "./crdFacts";
import { validateCustomResource as validateMeshResource } from "./meshCrdFacts";

const CERT_MANAGER_GROUPS = /^(cert-manager\.io|trust\.cert-manager\.io)\//;

export function validateAnyCustomResource(object: Record<string, any>): string[] {
    return CERT_MANAGER_GROUPS.test(String(object.apiVersion)) ? validateCertManagerResource(object) : validateMeshResource(object);
}
