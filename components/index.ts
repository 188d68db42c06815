export * from "./istioControlPlane";
export * from "./pluginCa";
