// Imported first by run.ts, before anything creates a logger or an SDK client: the in-process sections (moto scans,
// remediations) would otherwise print every info line and the SDK's Node-version notice between the results.
process.env.LOG_LEVEL ??= 'warn';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
