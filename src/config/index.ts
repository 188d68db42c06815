/**
 * Stack configuration: the one place where raw `istio-ca:*` config becomes a typed, validated
 * model. Every problem found is collected and reported together, each naming the key, the bad value
 * and a fix; parsing happens before any resource is registered, so an invalid config creates nothing.
 */
export * from "./keys";
export * from "./model";
export { ConfigError, ConfigProblem, ConfigReader, RawConfig, fullKey, shownValue } from "./reader";
export { SUBJECT_NAME_MAX } from "./ca";
export { rotatesRoots } from "./rotation";
import { readAlerts } from "./alerts";
import { checkGeneratedSubjects, readCaSettings, readExistingRoot } from "./ca";
import { readCertManager } from "./certManager";
import { readDataPlane } from "./dataPlane";
import { readKubernetesAccess } from "./cluster";
import { readCaMode, readIstioVersion, readTrustDomain, readWorkloadCerts } from "./mesh";
import { programKnowsRoots, readMeshPolicy } from "./meshPolicy";
import { StackModel } from "./model";
import { ConfigError, ConfigReader, RawConfig } from "./reader";
import { readRotation } from "./rotation";
import { checkUnknownKeys } from "./unknownKeys";
import { readVault } from "./vault";
import { readFleet } from "./fleet";

/** istiod's namespace; `cacerts` and the mesh-wide policy live there. */
export const ISTIO_NAMESPACE = "istio-system";

/** Turns raw stack config into the validated model, or throws a ConfigError listing every problem. */
export function parseStackConfig(raw: RawConfig): StackModel {
    const reader = new ConfigReader(raw);
    checkUnknownKeys(reader, raw);
    const kubernetes = readKubernetesAccess(reader, raw);
    const caMode = readCaMode(reader);
    const trustDomain = readTrustDomain(reader);
    const version = readIstioVersion(reader);
    const workloadCerts = readWorkloadCerts(reader);
    const { rootCa, intermediateCa } = readCaSettings(reader, workloadCerts, caMode);
    const existingRoot = readExistingRoot(reader, caMode, intermediateCa);
    const certManager = readCertManager(reader, caMode, reader.has("existingRootCert") || reader.has("existingRootKey"));
    const meshPolicy = readMeshPolicy(reader, caMode, ISTIO_NAMESPACE, programKnowsRoots(caMode, certManager));
    const alerts = readAlerts(reader, intermediateCa);
    const rotation = readRotation(reader, caMode, certManager);
    const dataPlane = readDataPlane(reader, { caMode, certManager, istioVersion: version, rotation, meshPolicy });
    const vault = readVault(reader, raw, caMode, rootCa, intermediateCa, workloadCerts, certManager?.delivery ?? "cacerts", rotation.roots, reader.has("clusters"));
    const fleet = readFleet(reader, caMode, intermediateCa, certManager, trustDomain, dataPlane);
    checkGeneratedSubjects(
        reader,
        caMode,
        rootCa,
        rotation.roots,
        existingRoot !== undefined,
        vault,
        fleet?.clusters.map((cluster) => cluster.name),
    );
    if (reader.problems.length > 0) throw new ConfigError(reader.problems);
    return {
        caMode,
        kubernetes,
        trustDomain,
        istio: { version, namespace: ISTIO_NAMESPACE },
        dataPlane,
        workloadCerts,
        rootCa,
        intermediateCa,
        existingRoot,
        certManager,
        meshPolicy,
        alerts,
        rotation,
        vault,
        ...(fleet ? { fleet } : {}),
    };
}
