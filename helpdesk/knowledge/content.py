"""The notice's guidance as knowledge-base articles, seeded by `flask demo seed`.

These are data (the organiser's own Chinese text), not interface strings, so they are not
in the translation catalogue; supervisors edit them at /staff/knowledge.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from helpdesk.knowledge.services import save_article

ARTICLES: list[tuple[str, str | None, str, str]] = [
    (
        "download-and-install",
        "install",
        "下载安装智考云和智考通",
        """\
- 请在 **{下载截止时间}** 前登录智考云考生平台 {考生平台}，
  凭本人姓名、身份证号和准考证号下载并安装考生端。超过规定时间后，下载通道即关闭。
- 考生端由电脑端 **智考云**（Windows 电脑，用于答题）和
  移动端 **智考通**（安卓或鸿蒙手机，用于拍摄佐证视频）两部分组成，两个都必须安装。
- 以往参加过类似考试的，也需要重新下载安装本次考试的考生端。
- 安装包与本人身份证号和准考证号绑定，不要发送给他人，也不要使用他人的安装包。
- 安装后请在模拟考试（{模拟考试日期}）中完整测试。**未参加模拟考试的考生不能参加正式考试。**
""",
    ),
    (
        "help-button-and-callbacks",
        "cannot_answer",
        "考试中点“求助”：技术人员给您回电",
        """\
1. 考试中遇到系统故障等问题，请点击考试界面右下角的 **求助** 按钮。
2. 技术人员会主动给您打电话，只会使用这两个号码：{来电号码}。请只接听这两个号码的来电。
3. 这两个号码只用于给您打电话，**请勿回拨**。
4. 点了求助后请留意接听电话；如果用来录制佐证视频的是手机，
   通话结束后务必把手机放回原来的录制位置，继续录制。
5. 其他问题可以拨打技术服务热线 {技术服务热线}，或在本平台提交问题。
""",
    ),
    (
        "device-requirements",
        "install",
        "电脑和手机的设备要求",
        """\
**电脑（安装智考云）**

- 操作系统：Windows 7 或 Windows 10（不支持双系统，不支持苹果系统）
- 内存 4 GB 及以上，可用内存不少于 2 GB
- 稳定的网络，带宽 4 Mbps 及以上，不建议使用手机热点
- C 盘可用空间 20 GB 及以上
- 摄像头（内置或外接）和麦克风（外接麦克风放在桌面上，不得使用耳机）
- 建议使用带电池的笔记本电脑
- 只能使用一块屏幕

**手机或平板（安装智考通，录制佐证视频）**

- Android 8.0 及以上或鸿蒙系统，摄像头可录音录像
- 可用存储空间 2 GB 及以上，电量足够连续录制 3 小时
""",
    ),
    (
        "forbidden-software",
        "install",
        "考前卸载或退出的软件",
        """\
以下软件可能干扰考试客户端，请在考试前**卸载**：

360安全卫士、360杀毒、2345安全卫士、金山毒霸、腾讯电脑管家、McAfee、鲁大师，以及其他可能影响考试的杀毒软件。

同时请关闭美颜滤镜、虚拟摄像头等会改变画面的软件。
""",
    ),
    (
        "system-updates-and-sleep",
        "install",
        "关闭系统自动更新和屏幕休眠",
        """\
1. 关闭 Windows 自动更新，避免考试中自动重启。
2. 在“电源选项”中把“关闭显示器”和“使计算机进入睡眠状态”都设为“从不”。
3. 考试期间不要使用快捷键切换或截取屏幕。
""",
    ),
    (
        "login-tips",
        "login",
        "无法登录智考云怎么办",
        """\
- 模拟考试在 {模拟考试日期}每天 10:00 至 24:00 开放，每天只能登录一次。
- 未参加模拟考试的考生不能参加正式考试。
- 正式考试 10:10 开放登录，11:00 后不能再登录，不得迟到。
- 请核对姓名、身份证号和准考证号，身份证号末位的 X 大小写均可。
- 仍无法登录时，请在本平台提交问题，并附上错误提示的截图。
""",
    ),
    (
        "face-verification-tips",
        "face_verification",
        "人脸/身份验证不通过",
        """\
- 房间光线明亮，正面光照，避免背光。
- 不戴口罩、帽子、首饰和耳机，露出完整面部和上半身。
- 摄像头与面部平齐，保持不动，擦干净镜头。
- 多次失败时请提交问题，写明客户端显示的提示文字。
""",
    ),
    (
        "room-and-conduct",
        None,
        "考试环境和考场纪律",
        """\
- 明亮、封闭、安静的房间，考试期间房间内不得有其他人，不得有书籍资料。
- 不得在网吧、茶馆、图书馆等公共场所考试。
- 上半身完整出现在画面中，不戴首饰、口罩和耳机。
- 手机调为静音（不要开飞行模式），退出微信和 QQ。
- 开考前向摄像头展示一支笔和一张空白草稿纸。
""",
    ),
    (
        "cannot-answer",
        "cannot_answer",
        "无法作答时怎么办",
        """\
- 考试中遇到问题，请点击智考云右下角的 **求助** 按钮。
- 技术人员只会用 {来电号码} 给您打电话，请勿回拨。
- 通话结束后，把用于录制佐证视频的手机放回原来的录制位置。
""",
    ),
    (
        "power-loss",
        "cannot_answer",
        "停电或断网后重新登录",
        """\
- 在考试时间内重新登录智考云即可继续作答，**不会延长考试时间**。
- 手机上的智考通会继续录制佐证视频，不要停止录制。
""",
    ),
    (
        "change-computer",
        "change_computer",
        "需要更换电脑",
        """\
模拟考试时发现电脑不符合要求需要更换的，请提交问题并写明原电脑和新电脑的型号与系统版本。
在新电脑上重新下载安装智考云，并在模拟考试时间内完成测试。
""",
    ),
    (
        "answer-upload-retry",
        "answer_upload",
        "交卷数据上传失败",
        """\
1. 点击 **重试** 按钮重新上传。
2. 多次重试仍失败时，请在本平台提交问题，或拨打技术服务热线 400-088-0028。
3. 在成绩公布前，不要卸载客户端或删除安装包。
""",
    ),
    (
        "evidence-upload-retry",
        "evidence_upload",
        "佐证视频上传失败",
        """\
- 在智考通中选择 **重新上传**，直到所有视频都上传成功。
- 上传时保持手机电量充足、网络稳定。
- 在成绩公布前，不要卸载智考通，也不要删除手机中的视频。
""",
    ),
    (
        "keep-clients-installed",
        None,
        "成绩公布前不要卸载客户端",
        """\
考试结束后、成绩公布前，请不要卸载智考云和智考通，也不要删除安装包，以便需要时补传数据。
""",
    ),
]


def seed(session: Session, now: datetime) -> str:
    """Create or refresh the notice's articles."""
    for slug, category, title, body in ARTICLES:
        save_article(
            session, slug=slug, title=title, body_markdown=body, category=category, now=now
        )
    return f"{len(ARTICLES)} articles"
