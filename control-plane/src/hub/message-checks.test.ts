import {
  CommandProgress,
  CommandResult,
  FailureKind,
  isAppError,
  ObjectAction,
  ObjectStatus,
  ReleaseStatus,
} from "@smart-orchestrator/shared";
import test from "ava";
import {
  agentMessageLimits,
  checkCommandProgress,
  checkCommandResult,
  checkReleaseStatus,
} from "./message-checks.js";

const deployment = ObjectStatus.fromPartial({
  group: "apps",
  kind: "Deployment",
  namespace: "default",
  name: "web",
  action: ObjectAction.OBJECT_ACTION_CREATED,
  ready: true,
});

function firstField(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (!isAppError(err)) throw err;
    return err.fields?.[0]?.field;
  }
}

test("a well-formed CommandResult and CommandProgress pass", (t) => {
  t.notThrows(() =>
    checkCommandResult(
      CommandResult.fromPartial({
        commandId: "e1/3",
        ok: true,
        revision: 3,
        objects: [deployment],
      }),
    ),
  );
  t.notThrows(() =>
    checkCommandProgress(
      CommandProgress.fromPartial({
        commandId: "e1/3",
        revision: 3,
        message: "waiting for 1 of 1 objects",
        objects: [{ ...deployment, ready: false, message: "ImagePullBackOff" }],
      }),
    ),
  );
});

test("CommandResult errors name the field", (t) => {
  const ok = { commandId: "c1", ok: false };
  t.is(
    firstField(() => checkCommandResult(CommandResult.fromPartial({}))),
    "command_result.command_id",
  );
  t.is(
    firstField(() => checkCommandResult(CommandResult.fromPartial({ commandId: "a b" }))),
    "command_result.command_id",
  );
  t.is(
    firstField(() =>
      checkCommandResult(CommandResult.fromPartial({ ...ok, message: "x".repeat(5000) })),
    ),
    "command_result.message",
  );
  t.is(
    firstField(() =>
      checkCommandResult(
        CommandResult.fromPartial({ ...ok, ok: true, failure: FailureKind.FAILURE_KIND_TIMEOUT }),
      ),
    ),
    "command_result.failure",
  );
  t.is(
    firstField(() => checkCommandResult(CommandResult.fromPartial({ ...ok, revision: -1 }))),
    "command_result.revision",
  );
  t.is(
    firstField(() =>
      checkCommandResult(
        CommandResult.fromPartial({ ...ok, objects: [deployment, { ...deployment, name: "" }] }),
      ),
    ),
    "command_result.objects[1].name",
  );
  t.is(
    firstField(() =>
      checkCommandResult(
        CommandResult.fromPartial({
          ...ok,
          objects: [
            { ...deployment, message: "m".repeat(agentMessageLimits.maxObjectMessageLength + 1) },
          ],
        }),
      ),
    ),
    "command_result.objects[0].message",
  );
  const many = Array.from({ length: agentMessageLimits.maxResultObjects + 1 }, () => deployment);
  t.is(
    firstField(() => checkCommandResult(CommandResult.fromPartial({ ...ok, objects: many }))),
    "command_result.objects",
  );
});

test("an enum value this hub does not know yet is accepted (newer agent)", (t) => {
  t.notThrows(() =>
    checkCommandResult(
      CommandResult.fromPartial({
        commandId: "c1",
        failure: 99 as FailureKind,
        objects: [{ ...deployment, action: 42 as ObjectAction }],
      }),
    ),
  );
});

test("CommandProgress errors name the field", (t) => {
  const many = Array.from({ length: agentMessageLimits.maxProgressObjects + 1 }, () => deployment);
  t.is(
    firstField(() =>
      checkCommandProgress(CommandProgress.fromPartial({ commandId: "c1", objects: many })),
    ),
    "command_progress.objects",
  );
  t.is(
    firstField(() =>
      checkCommandProgress(
        CommandProgress.fromPartial({ commandId: "c1", objects: [{ ...deployment, kind: "" }] }),
      ),
    ),
    "command_progress.objects[0].kind",
  );
  t.is(
    firstField(() => checkCommandProgress(CommandProgress.fromPartial({ commandId: "" }))),
    "command_progress.command_id",
  );
});

test("ReleaseStatus errors name the field", (t) => {
  const release = {
    release: "shop",
    enablerId: "Shop.1",
    namespace: "shop",
    revision: 2,
    lastRepaired: ["Deployment shop/web (recreated)"],
  };
  t.notThrows(() => checkReleaseStatus(ReleaseStatus.fromPartial({ releases: [release] })));
  const cases: [Partial<typeof release> & Record<string, unknown>, string][] = [
    [{ release: "Shop" }, "release_status.releases[0].release"],
    [{ enablerId: "" }, "release_status.releases[0].enabler_id"],
    [{ namespace: "a_b" }, "release_status.releases[0].namespace"],
    [{ revision: 0 }, "release_status.releases[0].revision"],
    [{ message: "x".repeat(1025) }, "release_status.releases[0].message"],
    [{ lastRepaired: Array(101).fill("x") }, "release_status.releases[0].last_repaired"],
    [{ lastRepaired: ["x".repeat(513)] }, "release_status.releases[0].last_repaired[0]"],
  ];
  for (const [change, field] of cases)
    t.is(
      firstField(() =>
        checkReleaseStatus(ReleaseStatus.fromPartial({ releases: [{ ...release, ...change }] })),
      ),
      field,
    );
  const many = Array(agentMessageLimits.maxReleases + 1).fill(release);
  t.is(
    firstField(() => checkReleaseStatus(ReleaseStatus.fromPartial({ releases: many }))),
    "release_status.releases",
  );
});
