Attribute VB_Name = "XlpyButtons"
Option Explicit
' xlpy macro-enabled workbook: the buttons on the first sheet run these three macros. Each sends the
' workbook to the xlpy server with xlwings' VBA client (RunServerPython in the Remote module, from the
' pinned xlwings release) and replays the actions the server answers with.
' The server address and access token are in one visible cell, the workbook name XLPY_SERVER:
' "https://server.example" or "https://server.example TOKEN" (token after a space).
' This file is ASCII on purpose (the VBA project is stored in code page 1252); Chinese text is
' written with ChrW code points by Zh().

Public Sub XlpyValidate()
    CallXlpy "validate"
End Sub

Public Sub XlpyGenerate()
    CallXlpy "generate"
End Sub

Public Sub XlpyFillZeros()
    CallXlpy "fill_zeros"
End Sub

Private Sub CallXlpy(script As String)
    Dim setting As String, url As String, token As String, cut As Long
    On Error Resume Next
    setting = Trim$(CStr(ThisWorkbook.Names("XLPY_SERVER").RefersToRange.Value))
    On Error GoTo 0
    cut = InStr(setting, " ")
    If cut > 0 Then
        url = Left$(setting, cut - 1)
        token = Trim$(Mid$(setting, cut + 1))
    Else
        url = setting
    End If
    If Left$(LCase$(url), 7) <> "http://" And Left$(LCase$(url), 8) <> "https://" Then
        ' "Fill in the xlpy server address in cell B3 of the button sheet first (token after a space)."
        MsgBox Zh("8BF7 5148 5728 201C 6309 94AE 201D 5DE5 4F5C 8868 7684 20 42 33 20 5355 5143 683C 586B 5199 20 78 6C 70 79 20 670D 52A1 5668 5730 5740 FF08 5730 5740 540E 53EF 7A7A 4E00 683C 518D 586B 8BBF 95EE 4EE4 724C FF09 3002"), _
            vbExclamation, Zh("653F 5E9C 4FE1 606F 516C 5F00 5E74 62A5")
        Exit Sub
    End If
    If Right$(url, 1) = "/" Then url = Left$(url, Len(url) - 1)
    If token = "" Then
        RunServerPython url & "/xlwings/custom-scripts-call/" & script
    Else
        RunServerPython url & "/xlwings/custom-scripts-call/" & script, auth:="Bearer " & token
    End If
End Sub

Private Function Zh(codes As String) As String
    Dim code As Variant
    For Each code In Split(codes, " ")
        Zh = Zh & ChrW$(CLng("&H" & code))
    Next code
End Function
