/** `@pulumi/tls` resources emulated with real cryptography. */
import { certificateRequest, generateKey, selfSignedCertificate, signCertificateRequest } from "../x509";
import { Emulator } from "./types";

export const tlsEmulators: Record<string, Emulator> = {
    "tls:index/privateKey:PrivateKey": async (inputs) => {
        const key = generateKey(inputs.algorithm, { rsaBits: inputs.rsaBits, ecdsaCurve: inputs.ecdsaCurve });
        return {
            ...inputs,
            rsaBits: inputs.algorithm === "RSA" ? (inputs.rsaBits ?? 2048) : inputs.rsaBits,
            ecdsaCurve: inputs.algorithm === "ECDSA" ? (inputs.ecdsaCurve ?? "P224") : inputs.ecdsaCurve,
            privateKeyPem: key.privateKeyPem,
            privateKeyPemPkcs8: key.privateKeyPemPkcs8,
            publicKeyPem: key.publicKeyPem,
        };
    },
    "tls:index/selfSignedCert:SelfSignedCert": async (inputs, context) => {
        const issued = await selfSignedCertificate(inputs.privateKeyPem, {
            subject: inputs.subject,
            dnsNames: inputs.dnsNames,
            uris: inputs.uris,
            ipAddresses: inputs.ipAddresses,
            validityHours: inputs.validityPeriodHours,
            notBefore: context.now,
            isCa: inputs.isCaCertificate,
            maxPathLength: inputs.maxPathLength,
            allowedUses: inputs.allowedUses,
            setSubjectKeyId: inputs.setSubjectKeyId,
            setAuthorityKeyId: inputs.setAuthorityKeyId,
        });
        return { ...inputs, ...issued };
    },
    "tls:index/certRequest:CertRequest": async (inputs) => {
        const certRequestPem = await certificateRequest(inputs.privateKeyPem, {
            subject: inputs.subject,
            dnsNames: inputs.dnsNames,
            uris: inputs.uris,
            ipAddresses: inputs.ipAddresses,
        });
        return { ...inputs, certRequestPem };
    },
    "tls:index/locallySignedCert:LocallySignedCert": async (inputs, context) => {
        const issued = await signCertificateRequest(inputs.certRequestPem, inputs.caCertPem, inputs.caPrivateKeyPem, {
            validityHours: inputs.validityPeriodHours,
            notBefore: context.now,
            isCa: inputs.isCaCertificate,
            maxPathLength: inputs.maxPathLength,
            allowedUses: inputs.allowedUses,
            setSubjectKeyId: inputs.setSubjectKeyId,
        });
        return { ...inputs, ...issued };
    },
};
