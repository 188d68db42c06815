import { X509Certificate } from "crypto";
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { PlanResult, PlannedResource, planStack } from "../plan/engine";

/** Plans a stack from config given inline (keys without the `istio-ca:` prefix). */
export function planConfig(values: Record<string, string>, opts: { secretKeys?: string[]; stack?: string; previousOutputs?: Record<string, unknown>; now?: Date; revealSecrets?: boolean } = {}): Promise<PlanResult> {
    const prefixed = Object.fromEntries(Object.entries(values).map(([key, value]) => [`istio-ca:${key}`, value]));
    return planStack({
        stack: opts.stack ?? "test",
        config: { values: prefixed, secretKeys: (opts.secretKeys ?? []).map((key) => `istio-ca:${key}`) },
        previousOutputs: opts.previousOutputs,
        revealSecrets: opts.revealSecrets,
        now: opts.now,
    });
}

export function findResource(plan: PlanResult, predicate: (resource: PlannedResource) => boolean, what: string): PlannedResource {
    const found = plan.resources.find(predicate);
    if (!found) throw new Error(`no ${what} in plan: ${plan.resources.map((r) => `${r.type} ${r.name}`).join(", ")}`);
    return found;
}

export function byName(plan: PlanResult, name: string): PlannedResource {
    return findResource(plan, (resource) => resource.name === name, `resource named ${name}`);
}

export function byType(plan: PlanResult, type: string): PlannedResource[] {
    return plan.resources.filter((resource) => resource.type === type);
}

/** The path length constraint of a CA certificate, or undefined when it has none. */
export function pathLength(certPem: string): number | undefined {
    const cert = new x509.X509Certificate(certPem);
    const constraints = cert.extensions.find((ext): ext is x509.BasicConstraintsExtension => ext instanceof x509.BasicConstraintsExtension);
    return constraints?.pathLength;
}

/** True when `child` is signed by `issuer` (signature and names). */
export function isIssuedBy(childPem: string, issuerPem: string): boolean {
    const child = new X509Certificate(childPem);
    const issuer = new X509Certificate(issuerPem);
    return child.checkIssued(issuer) && child.verify(issuer.publicKey);
}

/** Expects a promise to reject, returning the error. */
export async function rejection(promise: Promise<unknown>): Promise<Error & Record<string, any>> {
    try {
        await promise;
    } catch (err) {
        return err as Error & Record<string, any>;
    }
    throw new Error("expected a rejection, but the promise resolved");
}
