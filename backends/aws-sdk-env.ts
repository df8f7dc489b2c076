// Imported by s3.ts before the AWS SDK. The SDK's notice that its releases after the first
// week of January 2027 need Node >= 22 is of no use to audb-ts's users: package.json caps
// the SDK below those releases. A value the user set is kept.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
