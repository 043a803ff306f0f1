; Windows installer extras (electron-builder.yml nsis.include): an option to run the agent in the
; background from boot, before anyone signs in, as the LocalSystem account. It registers a
; boot-time task that starts "VHR Agent.exe --headless" (no window, no tray: the status UI is
; then opened in a browser with the uiUrl from api.json). Unchecked by default; uninstalling
; removes the task.

!include "LogicLib.nsh"
!include "nsDialogs.nsh"

Var ServiceCheckbox
Var RunAsService

!macro customPageAfterChangeDir
  Page custom ServiceOptionPage ServiceOptionLeave
!macroend

Function ServiceOptionPage
  nsDialogs::Create 1018
  Pop $0
  ${NSD_CreateLabel} 0 0 100% 40u "Chạy nền khi khởi động máy (trước khi đăng nhập), với quyền LocalSystem. Dùng cho máy chủ đặt ở phòng CNTT.$\r$\nRun in the background from boot (before sign-in) as LocalSystem. For server-room machines."
  Pop $0
  ${NSD_CreateCheckbox} 0 48u 100% 12u "Chạy như dịch vụ nền / Run as a background service"
  Pop $ServiceCheckbox
  nsDialogs::Show
FunctionEnd

Function ServiceOptionLeave
  ${NSD_GetState} $ServiceCheckbox $RunAsService
FunctionEnd

!macro customInstall
  ${If} $RunAsService == ${BST_CHECKED}
    nsExec::ExecToLog 'schtasks /Create /F /TN "VHR Agent" /SC ONSTART /RU SYSTEM /RL HIGHEST /TR "\"$INSTDIR\${APP_EXECUTABLE_FILENAME}\" --headless --config \"$COMMONAPPDATA\VHR Agent\config.yaml\""'
  ${EndIf}
!macroend

!macro customUnInstall
  nsExec::ExecToLog 'schtasks /Delete /F /TN "VHR Agent"'
!macroend
