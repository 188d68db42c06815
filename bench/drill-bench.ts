/**
 * `npm run bench` (second part): the rotation drill's figures, handshakes/s and failed
 * handshakes per phase, for the phased rotation and the naive swap on the same load.
 * Prints figures only; nothing here passes or fails on speed.
 * Then the ambient drill (stacks/rotation-ambient/): the guarded rotation, sign-new after the
 * sidecar wait, and roots through meshConfig, with the same settings (its clock: ttl 1/3 of a phase).
 * Then the fleet drill (stacks/rotation-fleet/): cross-cluster handshakes through the phased fleet
 * rotation and the naive swap one cluster at a time.
 * Settings: BENCH_DRILL_WORKLOADS (6), BENCH_DRILL_RATE (200), BENCH_DRILL_PHASE_SECONDS (3).
 */
import { runAmbientDrill } from "../drill/ambient";
import { AMBIENT_ROTATION_STACKS_DIR, FleetRotationPlanSource, RotationPlanSource } from "../drill/certSource";
import { runFleetDrill } from "../drill/fleet";
import { renderScenario } from "../drill/report";
import { runDrill } from "../drill/run";

function setting(name: string, fallback: number): number {
    const value = Number(process.env[name] ?? fallback);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${process.env[name]}"`);
    return value;
}

async function main(): Promise<void> {
    const options = { workloads: setting("BENCH_DRILL_WORKLOADS", 6), rate: setting("BENCH_DRILL_RATE", 200), phaseSeconds: setting("BENCH_DRILL_PHASE_SECONDS", 3) };
    const certs = await new RotationPlanSource().load();
    const result = await runDrill(certs, options);
    console.log(`\nRotation drill, ${options.workloads} workloads, ${options.rate} requests/s offered, ${options.phaseSeconds} s per phase (node ${process.version})\n`);
    console.log(`${renderScenario(result.phased)}\n\n${renderScenario(result.naive)}`);

    const ambientCerts = await new RotationPlanSource(AMBIENT_ROTATION_STACKS_DIR).load();
    const ambient = await runAmbientDrill(ambientCerts, { ...options, ttlSeconds: options.phaseSeconds / 3 });
    console.log(`\nAmbient rotation drill, ${options.workloads} ztunnel identities on ${ambient.settings.nodes} nodes, ${options.rate} requests/s offered\n`);
    console.log([ambient.guarded, ambient.sidecarWait, ambient.caCrt].map(renderScenario).join("\n\n"));

    const fleet = await runFleetDrill(await new FleetRotationPlanSource().load(), options);
    console.log(`\nFleet rotation drill, ${options.workloads} workloads in ${fleet.settings.clusters.length} clusters, ${options.rate} requests/s offered between clusters\n`);
    console.log(`${renderScenario(fleet.phased)}\n\n${renderScenario(fleet.naive)}`);
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
