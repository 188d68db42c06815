import { strict as assert } from "assert";
import { X509Certificate } from "crypto";
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { PlanResult, PlannedResource, planStack } from "../plan/engine";
import { ConfigError, ConfigProblem, RawConfig, parseStackConfig } from "../src/config";
import { generateKey, selfSignedCertificate } from "../plan/x509";

/** Plans a stack from config given inline (keys without the `istio-ca:` prefix). */
export function planConfig(
    values: Record<string, string>,
    opts: { secretKeys?: string[]; stack?: string; previousOutputs?: Record<string, unknown>; now?: Date; revealSecrets?: boolean } = {},
): Promise<PlanResult> {
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

/** The one resource of `type` in the plan; fails when there are none or several. */
export function only(plan: PlanResult, type: string): PlannedResource {
    const found = byType(plan, type);
    assert.equal(found.length, 1, `exactly one ${type}: ${found.map((r) => r.name).join(", ")}`);
    return found[0];
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

/** How a config given inline reaches the parser, besides its values. */
export interface RawConfigOptions {
    /** Keys (without prefix) whose value is a Pulumi secret. */
    secretKeys?: string[];
    deploying?: boolean;
    environmentVaultToken?: string;
    fileExists?: (path: string) => boolean;
}

/** Raw config from inline values (keys without the `istio-ca:` prefix); structured values are passed JSON-encoded, as Pulumi does. */
export function rawConfig(values: Record<string, unknown>, options: RawConfigOptions = {}): RawConfig {
    const encoded = Object.fromEntries(Object.entries(values).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]));
    return {
        values: encoded,
        secretKeys: new Set(options.secretKeys ?? []),
        deploying: options.deploying,
        environmentVaultToken: options.environmentVaultToken,
        fileExists: options.fileExists,
    };
}

/** The error of a config the parser must refuse; fails if it is accepted or throws anything but a ConfigError. */
export function configError(values: Record<string, unknown>, options: RawConfigOptions = {}): ConfigError {
    try {
        parseStackConfig(rawConfig(values, options));
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
        return err;
    }
    return assert.fail(`config was accepted: ${JSON.stringify(values)}`);
}

/** The problems of a config the parser must refuse; fails if it is accepted or throws anything but a ConfigError. */
export function configProblems(values: Record<string, unknown>, options: RawConfigOptions = {}): ConfigProblem[] {
    return configError(values, options).problems;
}

/** The single problem of a refused config: checks its key (without prefix), the value it quotes when `value` is given, and that a fix is given. */
export function onlyConfigProblem(values: Record<string, unknown>, key: string, options: RawConfigOptions & { value?: string } = {}): ConfigProblem {
    const problems = configProblems(values, options);
    assert.equal(problems.length, 1, `expected one problem, got: ${problems.map((p) => `${p.key}: ${p.message}`).join("; ")}`);
    assert.equal(problems[0].key, `istio-ca:${key}`);
    if (options.value !== undefined) assert.equal(problems[0].value, options.value);
    assert.ok(problems[0].fix.length > 10, "a fix is given");
    return problems[0];
}

/** How `corpRoot` differs from its defaults. */
export interface CorpRootSpec {
    /** Default: ECDSA P-256. */
    key?: { algorithm: "ECDSA"; ecdsaCurve: string } | { algorithm: "RSA"; rsaBits: number };
    /** Subject organization. Default: none. */
    organization?: string;
    /** Hours. Default: 20000. */
    validityHours?: number;
    /** Default: no path length constraint. */
    maxPathLength?: number;
    /** Default: cert and CRL signing. */
    allowedUses?: string[];
}

/** An existing root CA as a user brings it (`existingRootCert`, `existingRootKey`): CN "corp root", with its subject key ID. */
export async function corpRoot(spec: CorpRootSpec = {}): Promise<{ certPem: string; keyPem: string }> {
    const key = spec.key ?? { algorithm: "ECDSA", ecdsaCurve: "P256" };
    const keyPem = generateKey(key.algorithm, key).privateKeyPem;
    const cert = await selfSignedCertificate(keyPem, {
        subject: { commonName: "corp root", ...(spec.organization ? { organization: spec.organization } : {}) },
        validityHours: spec.validityHours ?? 20000,
        isCa: true,
        maxPathLength: spec.maxPathLength,
        allowedUses: spec.allowedUses ?? ["cert_signing", "crl_signing"],
        setSubjectKeyId: true,
    });
    return { certPem: cert.certPem, keyPem };
}
