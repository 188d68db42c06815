export * from "./istioControlPlane";
export * from "./pluginCa";
export * from "./meshMtlsPolicy";
export * from "./certificateAlerts";
