from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.template.response import TemplateResponse


class IdrenewAdminSite(admin.AdminSite):
    site_header = "证件更新 · 业务后台"
    site_title = "证件更新后台"
    index_title = "业务管理"

    def index(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        from idrenew.tradingcalendar.selectors import uncovered_years

        for year in uncovered_years():
            messages.warning(
                request,
                f"交易日历缺少 {year} 年的节假日数据："
                "系统暂按周一至周五视为交易日。"
                f"请在“交易日历 › 交易日调整”中录入 {year} 年休市日，"
                "并在“已维护年度”中登记该年度。",
            )
        return super().index(request, extra_context)
