import test from "ava";
import { MongoStore } from "./mongo-store.js";
import { storeContract } from "./store-contract.js";

const uri = process.env.MONGODB_URI;

if (uri) {
  storeContract(test, {
    label: "mongodb",
    async open() {
      const db = `so_test_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
      const url = new URL(uri);
      url.pathname = `/${db}`;
      return MongoStore.connect(url.toString());
    },
  });
} else {
  console.log("SKIPPED mongodb store contract: MONGODB_URI is not set (no MongoDB server here)");
  test.skip("mongodb: store contract (skipped: MONGODB_URI is not set)", () => {});
}
