"""The SMS products on the fake vendor servers: documented requests, answers and errors.

Tencent Cloud SMS API 2021-01-11 (service ``sms``): SendSms, PullSmsSendStatus,
DescribeSmsTemplateList. Alibaba Cloud Dysmsapi 2017-05-25: SendSms, QuerySendDetails,
QuerySmsTemplate. Each checks the parameters the way the vendor does (application and
signature, template, the number of template parameters, the phone number) and keeps what it
"sent", so a test can ask for the delivery receipts.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tests.vendors.alibaba import FakeAlibabaCloud, alibaba_business_error
from tests.vendors.base import ReceivedRequest, Reply
from tests.vendors.tencent import FakeTencentCloud, tencent_error

TENCENT_SMS_VERSION = "2021-01-11"
ALIBABA_SMS_VERSION = "2017-05-25"
MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")


@dataclass
class SentSms:
    serial: str  # Tencent SerialNo / Alibaba BizId
    mobile: str  # 11 digits
    template: str
    params: list[str] | dict[str, str]
    sign: str
    session: str = ""
    at: datetime = field(default_factory=datetime.now)


@dataclass
class FakeSmsState:
    """What a fake SMS product knows: approved signs and templates, and what it sent.
    ``receipts[mobile] = (status, code, description)`` chooses the delivery receipt."""

    signs: set[str]
    templates: dict[str, list[str]]  # template id/code -> parameter names, in order
    sent: list[SentSms] = field(default_factory=list)
    receipts: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    pulled: set[str] = field(default_factory=set)
    _serials: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def next_serial(self) -> int:
        return next(self._serials)


# -- Tencent --------------------------------------------------------------------------------
def install_tencent_sms(
    fake: FakeTencentCloud, *, app_id: str, signs: set[str], templates: dict[str, list[str]]
) -> FakeSmsState:
    state = FakeSmsState(signs=signs, templates=templates)

    def send(req: ReceivedRequest) -> Reply | dict[str, Any]:
        p = req.params
        if p.get("SmsSdkAppId") != app_id:
            return tencent_error("InvalidParameterValue.SdkAppIdNotExist", "SdkAppId不存在。")
        if p.get("SignName") not in state.signs:
            return tencent_error(
                "FailedOperation.SignatureIncorrectOrUnapproved", "签名未审批或格式错误。"
            )
        template = state.templates.get(str(p.get("TemplateId")))
        if template is None:
            return tencent_error(
                "FailedOperation.TemplateIncorrectOrUnapproved",
                "模板未审批或请求的内容与审核通过的模板内容不匹配。",
            )
        values = p.get("TemplateParamSet") or []
        if len(values) != len(template) or not all(isinstance(v, str) for v in values):
            return tencent_error(
                "FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
                "请求内容与审核通过的模板内容不匹配。",
            )
        numbers = p.get("PhoneNumberSet") or []
        if not numbers:
            return tencent_error("MissingParameter", "缺少参数 PhoneNumberSet。")
        statuses = []
        for number in numbers:
            local = re.sub(r"^\+86", "", number)
            if not MAINLAND_MOBILE.match(local):
                statuses.append(
                    {
                        "SerialNo": "",
                        "PhoneNumber": number,
                        "Fee": 0,
                        "SessionContext": p.get("SessionContext", ""),
                        "Code": "InvalidParameterValue.IncorrectPhoneNumber",
                        "Message": "手机号格式错误。",
                        "IsoCode": "",
                    }
                )
                continue
            serial = f"2433:{state.next_serial():028d}"
            state.sent.append(
                SentSms(
                    serial,
                    local,
                    str(p["TemplateId"]),
                    list(values),
                    p["SignName"],
                    p.get("SessionContext", ""),
                )
            )
            statuses.append(
                {
                    "SerialNo": serial,
                    "PhoneNumber": number,
                    "Fee": 1,
                    "SessionContext": p.get("SessionContext", ""),
                    "Code": "Ok",
                    "Message": "send success",
                    "IsoCode": "CN",
                }
            )
        return {"SendStatusSet": statuses}

    def pull(req: ReceivedRequest) -> Reply | dict[str, Any]:
        if req.params.get("SmsSdkAppId") != app_id:
            return tencent_error("InvalidParameterValue.SdkAppIdNotExist", "SdkAppId不存在。")
        limit = int(req.params.get("Limit") or 100)
        out = []
        for sms in state.sent:
            if sms.serial in state.pulled or len(out) >= limit:
                continue
            status, code, description = state.receipts.get(
                sms.mobile, ("SUCCESS", "DELIVRD", "用户接收成功")
            )
            state.pulled.add(sms.serial)
            out.append(
                {
                    "UserReceiveTime": sms.at.strftime("%Y-%m-%d %H:%M:%S"),
                    "CountryCode": "86",
                    "SubscriberNumber": sms.mobile,
                    "PhoneNumber": f"+86{sms.mobile}",
                    "SerialNo": sms.serial,
                    "ReportStatus": status,
                    "Description": f"{code}:{description}" if status != "SUCCESS" else description,
                    "SessionContext": sms.session,
                }
            )
        return {"PullSmsSendStatusSet": out}

    def templates_list(req: ReceivedRequest) -> Reply | dict[str, Any]:
        ids = req.params.get("TemplateIdSet") or []
        out = []
        for tid in ids:
            names = state.templates.get(str(tid))
            if names is None:
                return tencent_error("FailedOperation.TemplateIdNotExist", "模板ID不存在。")
            out.append(
                {
                    "TemplateId": int(tid),
                    "International": 0,
                    "StatusCode": 0,
                    "ReviewReply": "",
                    "TemplateName": f"template {tid}",
                    "CreateTime": 1700000000,
                    "TemplateContent": "".join(f"{{{i + 1}}}" for i in range(len(names))),
                }
            )
        return {"DescribeTemplateStatusSet": out}

    fake.on("SendSms", send, service="sms", version=TENCENT_SMS_VERSION)
    fake.on("PullSmsSendStatus", pull, service="sms", version=TENCENT_SMS_VERSION)
    fake.on("DescribeSmsTemplateList", templates_list, service="sms", version=TENCENT_SMS_VERSION)
    return state


# -- Alibaba --------------------------------------------------------------------------------
def install_alibaba_sms(
    fake: FakeAlibabaCloud, *, signs: set[str], templates: dict[str, list[str]]
) -> FakeSmsState:
    state = FakeSmsState(signs=signs, templates=templates)

    def send(req: ReceivedRequest) -> Reply | dict[str, Any]:
        p = req.params
        if p.get("SignName") not in state.signs:
            return alibaba_business_error("isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")
        names = state.templates.get(p.get("TemplateCode", ""))
        if names is None:
            return alibaba_business_error("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
        try:
            values = json.loads(p.get("TemplateParam") or "{}")
        except ValueError:
            return alibaba_business_error(
                "isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值"
            )
        if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
            return alibaba_business_error(
                "isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值"
            )
        if set(names) - set(values):
            return alibaba_business_error(
                "isv.TEMPLATE_MISSING_PARAMETERS", "模板变量中存在未赋值变量"
            )
        mobile = p.get("PhoneNumbers", "")
        if not MAINLAND_MOBILE.match(mobile):
            return alibaba_business_error("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
        biz_id = f"{900000000000000000 + state.next_serial()}^0"
        state.sent.append(
            SentSms(biz_id, mobile, p["TemplateCode"], values, p["SignName"], p.get("OutId", ""))
        )
        return {"Code": "OK", "Message": "OK", "BizId": biz_id}

    def details(req: ReceivedRequest) -> Reply | dict[str, Any]:
        p = req.params
        if not p.get("PhoneNumber") or not p.get("SendDate"):
            return alibaba_business_error("isv.INVALID_PARAMETERS", "参数异常")
        rows = []
        for sms in state.sent:
            if sms.mobile != p["PhoneNumber"] or (p.get("BizId") and sms.serial != p["BizId"]):
                continue
            if sms.at.strftime("%Y%m%d") != p["SendDate"]:
                continue
            status, code, _ = state.receipts.get(sms.mobile, ("SUCCESS", "DELIVERED", ""))
            rows.append(
                {
                    "ErrCode": code,
                    "TemplateCode": sms.template,
                    "OutId": sms.session,
                    "ReceiveDate": sms.at.strftime("%Y-%m-%d %H:%M:%S"),
                    "SendDate": sms.at.strftime("%Y-%m-%d %H:%M:%S"),
                    "PhoneNum": sms.mobile,
                    "Content": "",
                    # 1 waiting for the receipt, 2 failed, 3 delivered
                    "SendStatus": {"SUCCESS": 3, "FAIL": 2}.get(status, 1),
                }
            )
        return {
            "Code": "OK",
            "Message": "OK",
            "TotalCount": len(rows),
            "SmsSendDetailDTOs": {"SmsSendDetailDTO": rows},
        }

    def template(req: ReceivedRequest) -> Reply | dict[str, Any]:
        code = req.params.get("TemplateCode", "")
        names = state.templates.get(code)
        if names is None:
            return alibaba_business_error("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
        return {
            "Code": "OK",
            "Message": "OK",
            "TemplateCode": code,
            "TemplateStatus": 1,  # 0 under review, 1 approved, 2 refused
            "TemplateType": 0,
            "TemplateName": f"template {code}",
            "TemplateContent": "".join(f"${{{n}}}" for n in names),
            "Reason": "无审批备注",
            "CreateDate": "2026-01-05 10:00:00",
        }

    fake.on("SendSms", send, version=ALIBABA_SMS_VERSION)
    fake.on("QuerySendDetails", details, version=ALIBABA_SMS_VERSION)
    fake.on("QuerySmsTemplate", template, version=ALIBABA_SMS_VERSION)
    return state
