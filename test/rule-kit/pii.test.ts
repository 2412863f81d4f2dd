import { describe, expect, it } from "vitest";
import { identifierWords, isMaskingFunctionName, mayNamePii, piiKind } from "../../src/rule-kit/pii.js";

describe("identifierWords", () => {
  it("splits camel case, acronyms and snake case", () => {
    expect(identifierWords("IDCard")).toEqual(["id", "card"]);
    expect(identifierWords("patient_mrn")).toEqual(["patient", "mrn"]);
    expect(identifierWords("GetEmailAddress")).toEqual(["get", "email", "address"]);
    expect(identifierWords("userID")).toEqual(["user", "id"]);
  });
});

describe("piiKind", () => {
  it.each([
    ["RealName", "name"],
    ["patientName", "name"],
    ["last_name", "name"],
    ["IdCard", "national ID"],
    ["idCardNo", "national ID"],
    ["nationalIdNumber", "national ID"],
    ["passportNumber", "national ID"],
    ["Mobile", "phone number"],
    ["phoneNumber", "phone number"],
    ["telNo", "phone number"],
    ["email", "email address"],
    ["GetEmail", "email address"],
    ["emailAddress", "email address"],
    ["dateOfBirth", "birth date"],
    ["DOB", "birth date"],
    ["birthDate", "birth date"],
    ["homeAddress", "address"],
    ["diagnosis", "diagnosis"],
    ["MRN", "medical record number"],
    ["medicalRecordNumber", "medical record number"],
    ["patient", "patient record"],
    ["patientInfo", "patient record"],
    ["password", "password"],
    ["DB_PASSWORD", "password"],
    ["accessToken", "token"],
    ["ssn", "social security number"],
    ["cellphone", "phone number"],
    ["telephone", "phone number"],
    ["birthday", "birth date"],
    ["citizenId", "national ID"],
    ["identityNo", "national ID"],
    ["passphrase", "password"],
    ["pwd", "password"],
    ["patientRecords", "patient record"],
    ["diagnoses", "diagnosis"],
    ["mailAddress", "email address"],
  ])("%s is %s", (name, kind) => {
    expect(piiKind(name)).toBe(kind);
    // The log rules skip calls whose text fails this quick test: it must pass every name reported.
    expect(mayNamePii(name)).toBe(true);
  });

  it("quick test: text without any personal-data word is skipped", () => {
    expect(mayNamePii('logx.Infof("order %d shipped", in.OrderId)')).toBe(false);
    expect(mayNamePii('l.Infof("register %s", in.Mobile)')).toBe(true);
  });

  it.each([
    "ID", "userId", "patientId", "patientCount", "emailVerified", "passwordHash", "maskedPhone", "tokenExpiry",
    "nextPageToken", "totalTokens", "listenAddress", "address", "ipAddress", "name", "fileName", "serviceName",
    "username", "nickname", "isMobile", "hasEmail", "sendEmail", "passwordPolicy", "patients_total", "emailTemplate",
  ])("%s is not personal data", (name) => {
    expect(piiKind(name)).toBeUndefined();
  });

  it("counts a bare name only on a person", () => {
    expect(piiKind("Name", "patient")).toBe("name");
    expect(piiKind("name", "currentUser")).toBe("name");
    expect(piiKind("Name", "in")).toBeUndefined();
    expect(piiKind("Name", "product")).toBeUndefined();
    expect(piiKind("Name", "userService")).toBeUndefined();
  });

  it("counts a bare address only on a request or a person", () => {
    expect(piiKind("Address", "in")).toBe("address");
    expect(piiKind("Address", "shipReq")).toBe("address");
    expect(piiKind("Address", "cfg")).toBeUndefined();
  });
});

describe("isMaskingFunctionName", () => {
  it("recognises masking helpers and nothing else", () => {
    for (const name of ["mask", "maskPhone", "MaskSensitive", "redactEmail", "desensitizeName", "hashPII", "anonymize"]) {
      expect(isMaskingFunctionName(name)).toBe(true);
    }
    for (const name of ["String", "format", "getEmail", "toUpperCase"]) expect(isMaskingFunctionName(name)).toBe(false);
  });
});
