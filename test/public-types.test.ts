// Type-level checks, made by `npm run lint` (tsc): the options and results of the API
// functions can be named by importing them from the package.
import { expectTypeOf, test } from "vitest";
import {
  available, cached, dependencies, exists, loadAttachment, loadMedia, loadTable, removeMedia,
  type AvailableOptions, type CachedOptions, type DataCardInput, type DependenciesOptions, type ExistsOptions,
  type LoadAttachmentOptions, type LoadMediaOptions, type LoadTableOptions, type RemoveMediaOptions,
  type RemoveMediaResult, type VersionFacts,
} from "../src/index.js";

test("the API's option and result types are exported by name", () => {
  expectTypeOf(loadMedia).parameter(2).toEqualTypeOf<LoadMediaOptions | undefined>();
  expectTypeOf(loadTable).parameter(2).toEqualTypeOf<LoadTableOptions | undefined>();
  expectTypeOf(loadAttachment).parameter(2).toEqualTypeOf<LoadAttachmentOptions | undefined>();
  expectTypeOf(exists).parameter(1).toEqualTypeOf<ExistsOptions | undefined>();
  expectTypeOf(dependencies).parameter(1).toEqualTypeOf<DependenciesOptions | undefined>();
  expectTypeOf(cached).parameter(0).toEqualTypeOf<CachedOptions | undefined>();
  expectTypeOf(available).parameter(0).toEqualTypeOf<AvailableOptions | undefined>();
  expectTypeOf(removeMedia).parameter(2).toEqualTypeOf<RemoveMediaOptions | undefined>();
  expectTypeOf(removeMedia).returns.resolves.toEqualTypeOf<RemoveMediaResult>();
  expectTypeOf<DataCardInput["versions"]>().toEqualTypeOf<VersionFacts[]>();
});
