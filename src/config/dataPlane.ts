/** The data plane (`dataPlane`): sidecars, or ambient (ztunnel and the CNI node agent), and what ambient refuses. */
import { DATA_PLANES, DataPlane, MIN_AMBIENT_ROTATION_ISTIO_MINOR } from "../ambient";
import { caModeRecord } from "../caModes";
import { MeshPolicySettings } from "../meshPolicy";
import { CaMode } from "./keys";
import { ISTIO_VERSION_RE } from "./mesh";
import { CertManagerSettings, RotationModel } from "./model";
import { ConfigReader, fullKey } from "./reader";

/** What the data plane is checked against: the settings read before it. */
export interface DataPlaneContext {
    caMode: CaMode;
    certManager?: CertManagerSettings;
    istioVersion: string;
    rotation: Pick<RotationModel, "phase">;
    meshPolicy: Pick<MeshPolicySettings, "pinnedHosts">;
}

export function readDataPlane(reader: ConfigReader, context: DataPlaneContext): DataPlane {
    const dataPlane = reader.oneOf("dataPlane", DATA_PLANES, "sidecar");
    if (dataPlane !== "ambient") return dataPlane;
    const ambient = `${fullKey("dataPlane")} ambient`;

    // A rotation in progress (the config reader refuses rotationPhase where the mode does not rotate).
    if (context.rotation.phase !== "steady") {
        const refusal = caModeRecord(context.caMode).ambient(context.certManager?.delivery ?? "cacerts").rotationRefusal;
        if (refusal) {
            reader.problem(
                "rotationPhase",
                `cannot rotate roots under ztunnel with caMode "${context.caMode}" and certManagerDelivery ${context.certManager?.delivery ?? "cacerts"} (${ambient}): ${refusal.reason}`,
                `stay at steady (pulumi config set ${fullKey("rotationPhase")} steady, one root), then ${refusal.fix}; see docs/ambient.md.`,
            );
        }
        const minor = Number(ISTIO_VERSION_RE.exec(context.istioVersion)?.[1]);
        if (Number.isFinite(minor) && minor < MIN_AMBIENT_ROTATION_ISTIO_MINOR) {
            reader.problem(
                "istioVersion",
                `is older than 1.${MIN_AMBIENT_ROTATION_ISTIO_MINOR}, and ${ambient} cannot rotate roots on it: ztunnel before 1.30 reads the root it verifies the CA with only at start, so it cannot renew once istiod's serving certificate comes from the new root (ztunnel#1679), and before 1.26 it trusts only the first of several roots`,
                `upgrade Istio to 1.${MIN_AMBIENT_ROTATION_ISTIO_MINOR} or later (${fullKey("istioVersion")} "1.30.3") in an update at steady, then rotate; see docs/ambient.md.`,
            );
        }
    }

    if (context.meshPolicy.pinnedHosts.length > 0) {
        reader.problem(
            "pinnedHosts",
            `pins destinations through files the sidecar reads (OUTPUT_CERTS and a mounted bundle), which ambient workloads do not have: ztunnel applies no DestinationRule TLS settings, and a waypoint has no such files, so with ${ambient} a pin would be silently ignored or break the calls`,
            `remove it (pulumi config rm ${fullKey("pinnedHosts")}), or keep ${fullKey("dataPlane")} sidecar for a mesh that pins destinations.`,
        );
    }
    return dataPlane;
}
