"""The face-recognition information notice (人脸识别信息处理告知书), versioned.

A new version gets a new number; consent is recorded with the version the customer saw.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Notice:
    version: str
    title: str
    paragraphs: tuple[str, ...]

    @property
    def digest(self) -> str:
        text = "\n".join((self.version, self.title, *self.paragraphs))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


CURRENT = Notice(
    version="2026-11-v1",
    title="人脸识别信息处理告知书",
    paragraphs=(
        "为核实办理证件更新业务的是账户本人且为本人亲自操作，本公司需要在您同意后收集和处理您的人脸信息。"
        "人脸信息属于敏感个人信息，请您仔细阅读本告知书。",
        "一、收集的信息：您按提示完成动作时录制的短视频；从视频中选取的一张正面人脸图像；"
        "由此计算的人脸特征值、活体检测结果和比对分数。",
        "二、处理目的：仅用于核验您是否为账户本人、是否为真人现场操作（活体检测），"
        "并与您开户时留存的照片及本次上传的身份证人像进行比对。不用于其他目的。",
        "三、保存期限：录制的视频在分析结束后立即删除；人脸图像与比对结果加密保存，"
        "仅在本次业务审核所需期间保留，业务办结后按公司规定的期限（不超过办结后30天）删除。"
        "审核决定、签署的协议等业务记录按监管要求另行保存，其中不含人脸图像。",
        "四、谁可以查看：仅本公司负责审核本笔业务的授权工作人员，每次查看均留有记录。"
        "本公司不会向第三方提供您的人脸信息，法律法规另有规定的除外。",
        "五、您的权利：您可以拒绝本告知书。拒绝不影响您的账户，但无法在线办理本业务，"
        "您可以携带本人有效身份证件到任一营业部临柜办理。",
        "六、联系我们：如对人脸信息处理有疑问，可拨打客服热线或到营业部咨询。",
    ),
)


def current_notice() -> Notice:
    return CURRENT
